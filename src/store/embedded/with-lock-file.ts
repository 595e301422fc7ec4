import { setTimeout as delay } from 'node:timers/promises';
import { StoreError, UsageError } from '../../domain/index.js';
import { acquireRunLock } from './acquire-run-lock.js';

/** How long a change waits for another process's change under the same lock file before it gives up (ms). */
export const lockWaitMs = 5_000;

/** Options of {@link withLockFile}. */
export interface WithLockFileOptions {
  /** The lock file. */
  path: string;
  /** What it guards, for its content and the message (a schedule's name, a log's). */
  id: string;
  owner: string;
  /** How long to wait for another process's hold before giving up (ms, default {@link lockWaitMs}). */
  waitMs?: number;
  /** What stayed locked, for the message: "the schedule nightly". */
  what: string;
}

/**
 * Runs `work` (synchronous, so nothing else of this process runs meanwhile) while this process holds
 * the lock file, the kind a run's drive takes: processes sharing a folder take turns, and a lock left
 * by a dead process is taken over. Waits while another live process holds it.
 */
export async function withLockFile<T>(options: WithLockFileOptions, work: () => T): Promise<T> {
  const waitMs = options.waitMs ?? lockWaitMs;
  const until = Date.now() + waitMs;
  for (;;) {
    let lock;
    try {
      lock = acquireRunLock({ path: options.path, runId: options.id, owner: options.owner });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      if (Date.now() > until)
        throw new StoreError(`${options.what} stayed locked by another process for ${waitMs} ms`, {
          cause: error,
          hint: `if no Arbor process is running, delete ${options.path}`,
        });
      await delay(5 + Math.random() * 10);
      continue;
    }
    try {
      return work();
    } finally {
      await lock.release();
    }
  }
}
