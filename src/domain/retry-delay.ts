import type { RetryPolicy } from './plan-file.js';

/**
 * How long a written step waits before its next try (issue 16), after try `failedTry` (1-based)
 * failed: `fixed` waits `delayMs` each time, `linear` `delayMs × n`, `exponential` `delayMs × 2^(n-1)`;
 * never longer than `maxDelayMs`.
 */
export function retryDelay(policy: RetryPolicy, failedTry: number): number {
  const factor =
    policy.backoff === 'fixed'
      ? 1
      : policy.backoff === 'linear'
        ? failedTry
        : 2 ** Math.max(0, failedTry - 1);
  const delay = policy.delayMs * factor;
  return policy.maxDelayMs === undefined ? delay : Math.min(delay, policy.maxDelayMs);
}
