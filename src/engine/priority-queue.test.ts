import { describe, expect, it } from 'vitest';
import { PriorityQueue } from './priority-queue.js';

describe('priority queue', () => {
  it('pops items in the order its comparison ranks them, whatever order they were pushed in', () => {
    const queue = new PriorityQueue<number>((a, b) => a < b);
    const pushed = [5, 3, 9, 1, 7, 3, 8, 2, 6, 4, 0];
    for (const item of pushed) queue.push(item);
    expect(queue.size).toBe(pushed.length);
    expect(queue.peek()).toBe(0);
    const popped: number[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
    expect(popped).toEqual([...pushed].sort((a, b) => a - b));
    expect(queue.size).toBe(0);
  });
});
