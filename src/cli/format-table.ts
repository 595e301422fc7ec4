/** How a column's cells line up. */
export type ColumnAlign = 'left' | 'right';

/**
 * Lines of `rows` with every column as wide as its widest cell, two spaces apart; `align` gives
 * each column's alignment (left unless said), so numbers can line up on the right. The last
 * column is not padded when left-aligned, so lines carry no trailing spaces.
 */
export function formatTable(
  rows: ReadonlyArray<readonly string[]>,
  align: readonly ColumnAlign[] = [],
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, index) => {
        const pad = ' '.repeat((widths[index] ?? 0) - [...cell].length);
        if (align[index] === 'right') return pad + cell;
        return index === row.length - 1 ? cell : cell + pad;
      })
      .join('  '),
  );
}
