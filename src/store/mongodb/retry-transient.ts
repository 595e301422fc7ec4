import { ArborError, StoreError } from '../../domain/index.js';
import { isTransientMongoError } from './is-transient-mongo-error.js';

/** Options of {@link retryTransient}. */
export interface RetryTransientOptions {
  /** What was being done, for the error message: "updating node 2.1". */
  what: string;
  /** How long to keep retrying transient failures before giving up. */
  retryForMs: number;
  runId?: string;
  nodeId?: string;
  /** Replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

const firstDelayMs = 100;
const maxDelayMs = 2_000;

/**
 * Runs a MongoDB operation, retrying network and server-selection failures with capped exponential
 * backoff for a bounded time. What still fails surfaces as `StoreError`, which the engine answers
 * by stopping the run resumably; Arbor's own errors pass through unchanged.
 */
export async function retryTransient<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryTransientOptions,
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.retryForMs;
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (error instanceof ArborError) throw error;
      const transient = isTransientMongoError(error);
      if (transient && Date.now() + delay < deadline) {
        await sleep(delay);
        delay = Math.min(delay * 2, maxDelayMs);
        continue;
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreError(
        transient
          ? `MongoDB did not answer while ${options.what} (gave up after ${attempt} attempts): ${reason}`
          : `MongoDB failed while ${options.what}: ${reason}`,
        {
          cause: error,
          runId: options.runId,
          nodeId: options.nodeId,
          hint: transient ? 'check that MongoDB is reachable, then `arbor resume` the run' : undefined,
        },
      );
    }
  }
}
