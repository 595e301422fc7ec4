import { ArborError, StoreError } from '../../domain/index.js';
import { isTransientMongoError } from './is-transient-mongo-error.js';

/** Options of {@link retryTransient}. */
export interface RetryTransientOptions {
  /** What was being done, for the error message: "updating node 2.1". */
  what: string;
  /** How long to keep retrying transient failures before giving up. */
  retryForMs: number;
  /** Where the store is (a redacted URI), for the error message. */
  where?: string;
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
  const started = Date.now();
  const deadline = started + options.retryForMs;
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
      const mongo = options.where === undefined ? 'MongoDB' : `MongoDB at ${options.where}`;
      const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
      throw new StoreError(
        transient
          ? `${mongo} did not answer while ${options.what} (gave up after ${tries} in ${seconds(Date.now() - started)}): ${reason}`
          : `${mongo} failed while ${options.what}: ${reason}`,
        {
          cause: error,
          runId: options.runId,
          nodeId: options.nodeId,
          hint: transient
            ? `check that MongoDB is reachable, then continue with: arbor resume ${options.runId ?? 'RUN'}`
            : undefined,
        },
      );
    }
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * How the MongoDB store's parts run an operation: with {@link retryTransient} on the store's
 * window, refused once the store is closed.
 */
export type StoreCall = <T>(
  what: string,
  operation: (attempt: number) => Promise<T>,
  context?: { runId?: string; nodeId?: string },
) => Promise<T>;
