/** Edit distance (insertions, deletions, substitutions and swaps of neighbours) between two words. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate a mistyped word most likely meant (within a third of its length), or null. A plural
 * counts as its singular: `retries` means `retry`.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  const lower = word.toLowerCase();
  const singular = lower.endsWith('ies') ? `${lower.slice(0, -3)}y` : lower.endsWith('s') ? lower.slice(0, -1) : lower;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const d = Math.min(distance(lower, other), distance(singular, other));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
