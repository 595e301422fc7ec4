import { access } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { answerSliceMs, fairTurn } from './fair-turn.js';

/** Resolves after the event loop's check phase, where a slice ends. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fairTurn', () => {
  it('lets the first answer of a slice go on at once, and the next ones in the check phase', async () => {
    await nextTurn();
    const now = () => 1_000;
    expect(fairTurn(now)).toBeNull();
    const order: string[] = [];
    const second = fairTurn(now);
    expect(second).toBeInstanceOf(Promise);
    void second!.then(() => order.push('second'));
    setImmediate(() => order.push('check phase'));
    await Promise.resolve();
    expect(order).toEqual([]);
    await second;
    expect(order).toEqual(['second']);
    // A turn later, a new slice: an answer alone goes on at once.
    await nextTurn();
    expect(fairTurn(now)).toBeNull();
  });

  it('spreads a burst of answers over turns, in order, with I/O handled in between', async () => {
    await nextTurn();
    let clock = 0;
    const now = () => clock;
    const order: Array<number | 'io'> = [];
    // An I/O callback that is due at once: it waits for the burst unless the burst gives way.
    access(import.meta.filename, () => order.push('io'));
    const burst = Array.from({ length: 20 * answerSliceMs }, async (_, index) => {
      const turn = fairTurn(now);
      if (turn) await turn;
      clock += 1; // each answer takes 1 ms to handle
      order.push(index);
    });
    await Promise.all(burst);
    const answers = order.filter((entry) => entry !== 'io');
    expect(answers).toEqual(answers.toSorted((a, b) => a - b));
    const io = order.indexOf('io');
    expect(io).toBeGreaterThan(0);
    expect(io).toBeLessThan(order.length - 1);
  });

  it('does not wait on timers a test has faked', async () => {
    await nextTurn();
    vi.useFakeTimers();
    try {
      const handled: number[] = [];
      await Promise.all(
        Array.from({ length: 3 }, async (_, index) => {
          const turn = fairTurn();
          if (turn) await turn;
          handled.push(index);
        }),
      );
      expect(handled).toEqual([0, 1, 2]);
    } finally {
      vi.useRealTimers();
    }
  });
});
