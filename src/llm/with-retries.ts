import { ProviderError } from '../domain/index.js';

/** How faults are retried: capped exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Retries after the first try. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest wait a provider's Retry-After may impose; longer asks fail the call at once. */
  maxRetryAfterMs: number;
}

/** Retry settings used when an agent file sets none. */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
});

/** Options of {@link withRetries}. */
export interface WithRetriesOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
  random?: () => number;
}

/**
 * Runs `call`, retrying retryable `ProviderError`s. A provider's Retry-After is honoured up to
 * `maxRetryAfterMs`; beyond that the error is rethrown with the wait named, rather than sleeping for
 * however long the provider asked. When retries run out the last error is rethrown with the number
 * of attempts in its message. An aborted `signal` stops at once and is never retried.
 */
export async function withRetries<T>(call: () => Promise<T>, options: WithRetriesOptions): Promise<T> {
  const { policy, signal } = options;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable || signal?.aborted) throw error;
      if (attempt > policy.maxRetries) throw attempt > 1 ? gaveUp(error, attempt) : error;
      let delayMs: number;
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > policy.maxRetryAfterMs)
          throw new ProviderError(
            `${error.message}; the provider asked to wait ${formatMs(error.retryAfterMs)}, more than the ${formatMs(policy.maxRetryAfterMs)} cap`,
            { ...contextOf(error), retryable: false, retryAfterMs: error.retryAfterMs },
          );
        delayMs = error.retryAfterMs;
      } else {
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        delayMs = Math.round(random() * ceiling);
      }
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

function gaveUp(error: ProviderError, attempts: number): ProviderError {
  return new ProviderError(`${error.message} (gave up after ${attempts} attempts)`, {
    ...contextOf(error),
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
  });
}

/** Everything a rethrown error keeps from the one it wraps. */
function contextOf(error: ProviderError) {
  return {
    cause: error,
    status: error.status,
    hint: error.hint,
    runId: error.runId,
    nodeId: error.nodeId,
    role: error.role,
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason instanceof Error ? signal.reason : new Error('aborted', { cause: signal.reason });
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
