import { describe, expect, it } from 'vitest';
import { retryDelay } from './retry-delay.js';

const delays = (policy: Parameters<typeof retryDelay>[0]) =>
  [1, 2, 3, 4].map((failed) => retryDelay(policy, failed));

describe('retryDelay', () => {
  it('waits the same each time with fixed backoff', () => {
    expect(delays({ attempts: 5, backoff: 'fixed', delayMs: 100 })).toEqual([100, 100, 100, 100]);
  });
  it('grows by the delay each time with linear backoff', () => {
    expect(delays({ attempts: 5, backoff: 'linear', delayMs: 100 })).toEqual([100, 200, 300, 400]);
  });
  it('doubles with exponential backoff, capped by maxDelayMs', () => {
    expect(delays({ attempts: 5, backoff: 'exponential', delayMs: 100 })).toEqual([100, 200, 400, 800]);
    expect(delays({ attempts: 5, backoff: 'exponential', delayMs: 100, maxDelayMs: 300 })).toEqual([
      100, 200, 300, 300,
    ]);
  });
});
