/** A deterministic source of numbers in [0, 1), so the same seed always builds the same tree. */
export type Random = () => number;

/** A seeded {@link Random} whose state can be read: `seededRandom(random.state)` continues its sequence. */
export interface SeededRandom extends Random {
  readonly state: number;
}

/**
 * A small seeded generator (mulberry32): fast, 32-bit state, good enough to vary synthetic trees;
 * not for anything that needs real randomness.
 */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  return Object.defineProperty(next, 'state', { get: () => state }) as SeededRandom;
}

/** An integer in [low, high], both included. */
export function randomInt(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
