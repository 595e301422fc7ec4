import { describe, expect, it } from 'vitest';
import { DrivenEventTail } from './driven-event-tail.js';
import type { EventDocument } from './event-document.js';

const event = (seq: number): EventDocument => ({
  _id: `r/n${seq}/000001`,
  runSeq: `r#${seq}`,
  schemaVersion: 1,
  runId: 'r',
  nodeId: `n${seq}`,
  type: 'deps-met',
  from: 'pending',
  to: 'ready',
  actor: 'engine',
  reason: null,
  at: '2026-12-04T00:00:00.000Z',
  seq,
});
const seqs = (events: EventDocument[] | null) => events?.map((entry) => entry.seq) ?? null;

describe('DrivenEventTail', () => {
  it('answers the events after a seq in seq order, whatever order their writes landed in, each once', () => {
    const tail = new DrivenEventTail(10);
    for (const seq of [11, 13, 12, 14, 13, 9]) tail.add(event(seq));
    expect(seqs(tail.after(10, Infinity))).toEqual([11, 12, 13, 14]);
    expect(seqs(tail.after(11, 2))).toEqual([12, 13]);
    expect(seqs(tail.after(14, Infinity))).toEqual([]);
    // Seqs up to the base are other drivers': not here.
    expect(tail.after(9, Infinity)).toBeNull();
  });

  it('keeps the latest events only, and says so for a reader further behind', () => {
    const tail = new DrivenEventTail(0, 8);
    for (let seq = 1; seq <= 20; seq++) tail.add(event(seq));
    const kept = seqs(tail.after(20 - 6, Infinity))!;
    expect(kept).toEqual([15, 16, 17, 18, 19, 20]);
    expect(tail.after(1, Infinity)).toBeNull();
  });
});
