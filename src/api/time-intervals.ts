/** A stretch of time `[start, end)` in epoch milliseconds. */
export type Interval = readonly [start: number, end: number];

/** The intervals merged where they overlap or touch, in order. */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** How long the merged intervals cover together. */
export function coveredMs(intervals: Iterable<Interval>): number {
  return mergeIntervals(intervals).reduce((sum, [start, end]) => sum + (end - start), 0);
}

/** How much of the time `a` covers is outside what `b` covers. */
export function uncoveredMs(a: Iterable<Interval>, b: Iterable<Interval>): number {
  const outer = mergeIntervals(a);
  const inner = mergeIntervals(b);
  let overlap = 0;
  let j = 0;
  for (const [start, end] of outer) {
    while (j < inner.length && inner[j]![1] <= start) j++;
    for (let k = j; k < inner.length && inner[k]![0] < end; k++)
      overlap += Math.min(end, inner[k]![1]) - Math.max(start, inner[k]![0]);
  }
  return coveredMs(outer) - overlap;
}
