import { describe, expect, it } from 'vitest';
import { ProviderError } from '../domain/index.js';
import { withRetries, type RetryPolicy } from './with-retries.js';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 25, maxRetryAfterMs: 100 };

/** A call that fails with `errors` in turn, then answers `done`. */
function failing(...errors: Error[]) {
  const calls = { count: 0 };
  const call = () => {
    const error = errors[calls.count++];
    return error ? Promise.reject(error) : Promise.resolve('done');
  };
  return { call, calls };
}

const retryable = (message = 'server error (500)') =>
  new ProviderError(message, { status: 500, retryable: true });

describe('withRetries', () => {
  it('retries retryable faults with capped exponential backoff and full jitter', async () => {
    const { call, calls } = failing(retryable(), retryable(), retryable());
    const delays: number[] = [];
    const result = await withRetries(call, {
      policy,
      random: () => 0.5,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    expect(result).toBe('done');
    expect(calls.count).toBe(4);
    expect(delays).toEqual([5, 10, 13]); // half of 10, 20, then 25 (capped)
  });

  it('waits exactly as long as Retry-After asks, within the cap', async () => {
    const { call } = failing(
      new ProviderError('rate limited (429)', { status: 429, retryable: true, retryAfterMs: 7 }),
    );
    const delays: number[] = [];
    await withRetries(call, { policy, onRetry: ({ delayMs }) => delays.push(delayMs) });
    expect(delays).toEqual([7]);
  });

  it('fails at once when Retry-After is beyond the cap, naming the wait', async () => {
    const { call, calls } = failing(
      new ProviderError('rate limited (429)', { status: 429, retryable: true, retryAfterMs: 120_000 }),
    );
    await expect(withRetries(call, { policy })).rejects.toMatchObject({
      message: 'rate limited (429); the provider asked to wait 120 s, more than the 100 ms cap',
      status: 429,
      retryable: false,
    });
    expect(calls.count).toBe(1);
  });

  it('gives up after maxRetries, saying how many attempts it made', async () => {
    const { call, calls } = failing(retryable(), retryable(), retryable(), retryable(), retryable());
    const error = await withRetries(call, { policy, random: () => 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ message: 'server error (500) (gave up after 4 attempts)', status: 500 });
    expect(calls.count).toBe(4);
  });

  it('does not retry non-retryable faults or other errors', async () => {
    const notRetryable = failing(new ProviderError('bad request (400)', { status: 400 }));
    await expect(withRetries(notRetryable.call, { policy })).rejects.toThrow('bad request (400)');
    expect(notRetryable.calls.count).toBe(1);
    const bug = failing(new TypeError('oops'));
    await expect(withRetries(bug.call, { policy })).rejects.toThrow(TypeError);
    expect(bug.calls.count).toBe(1);
  });

  it('stops when the signal aborts, during a wait or before a call', async () => {
    const controller = new AbortController();
    const { call, calls } = failing(retryable(), retryable());
    const pending = withRetries(call, {
      policy: { ...policy, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      signal: controller.signal,
      random: () => 1,
      onRetry: () => controller.abort(new Error('run cancelled')),
    });
    await expect(pending).rejects.toThrow('run cancelled');
    expect(calls.count).toBe(1);
    const never = failing();
    await expect(withRetries(never.call, { policy, signal: controller.signal })).rejects.toThrow(
      'run cancelled',
    );
    expect(never.calls.count).toBe(0);
  });
});
