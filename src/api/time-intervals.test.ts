import { describe, expect, it } from 'vitest';
import { coveredMs, mergeIntervals, uncoveredMs } from './time-intervals.js';

describe('time intervals', () => {
  it('merges overlapping and touching intervals and measures what they cover', () => {
    expect(
      mergeIntervals([
        [5, 8],
        [0, 2],
        [1, 3],
        [3, 4],
        [9, 9],
      ]),
    ).toEqual([
      [0, 4],
      [5, 8],
    ]);
    expect(
      coveredMs([
        [5, 8],
        [0, 2],
        [1, 3],
      ]),
    ).toBe(6);
  });

  it('measures the part of one set of intervals the other does not cover', () => {
    // Waiting 0–10 and 20–30; calls 2–4, 8–22 and 25–26.
    expect(
      uncoveredMs(
        [
          [0, 10],
          [20, 30],
        ],
        [
          [2, 4],
          [8, 22],
          [25, 26],
        ],
      ),
    ).toBe(2 + 4 + 3 + 4);
    expect(uncoveredMs([[0, 10]], [])).toBe(10);
    expect(uncoveredMs([[0, 10]], [[-5, 15]])).toBe(0);
  });
});
