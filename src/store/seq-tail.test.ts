import { describe, expect, it } from 'vitest';
import { SeqTail } from './seq-tail.js';

interface Item {
  seq?: number;
  name: string;
}
const item = (seq: number): Item => ({ seq, name: `n${seq}` });
const tailOf = (base: number, capacity?: number) => new SeqTail<Item>((entry) => entry.seq, base, capacity);
const seqs = (items: Item[] | null) => items?.map((entry) => entry.seq) ?? null;

describe('SeqTail', () => {
  it('answers the items after a seq in seq order, whatever order they were added in, each once', () => {
    const tail = tailOf(10);
    for (const seq of [11, 13, 12, 14, 13, 9]) tail.add(item(seq));
    tail.add({ name: 'no seq' });
    expect(seqs(tail.after(10))).toEqual([11, 12, 13, 14]);
    expect(seqs(tail.after(11, 2))).toEqual([12, 13]);
    expect(seqs(tail.after(14))).toEqual([]);
    expect(tail.last).toBe(14);
    // Seqs up to the base are not this tail's.
    expect(tail.after(9)).toBeNull();
  });

  it('keeps the latest items only, and says so for a reader further behind', () => {
    const tail = tailOf(0, 8);
    expect(tail.last).toBe(0);
    for (let seq = 1; seq <= 20; seq++) tail.add(item(seq));
    expect(seqs(tail.after(20 - 6))).toEqual([15, 16, 17, 18, 19, 20]);
    expect(tail.after(1)).toBeNull();
    expect(tail.last).toBe(20);
  });
});
