import { hostname } from 'node:os';
import { UsageError, type RunStatus } from '../domain/index.js';
import { cancelRun as cancelStoredRun } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { personName } from './person-name.js';
import { getRun } from './queries.js';
import { liveWorkersOf } from './refuse-worked-run.js';

/** What {@link cancelRun} did. */
export type CancelOutcome =
  /** The run had already ended that way; nothing changed. */
  | { kind: 'over'; status: RunStatus }
  /**
   * A live process drives the run, or live workers work it: told through the run's status, a driver
   * stops and cancels the nodes itself within a poll; workers stop, and `resume` takes up what they held.
   */
  | { kind: 'signalled' }
  /** No process drove the run: its unfinished nodes are cancelled now. */
  | { kind: 'cancelled'; cancelled: number; undecided: number; decided: number };

/**
 * Cancels a run from any process (DESIGN §5 `arbor cancel`). Unfinished nodes become `cancelled`;
 * decisions recorded before are applied first; `resume` continues the run.
 */
export async function cancelRun(
  store: Store,
  runId: string,
  options: { reason?: string; by?: string } = {},
): Promise<CancelOutcome> {
  const run = await getRun(store, runId);
  if (run.status === 'completed' || run.status === 'cancelled') return { kind: 'over', status: run.status };
  const by = options.by?.trim() || personName();
  const reason = options.reason?.trim() || `cancelled by ${by}`;
  // A live process drives the run, or workers work it (they take no hold of the run): it is told
  // through the run's status, which they poll; they stop, a driver cancels the nodes itself.
  const signal = async (): Promise<CancelOutcome> => {
    // Not over a run that completed (or was cancelled) since it was read: that end stands.
    const after = await store.updateRun(
      runId,
      { status: 'cancelled', stopReason: { kind: 'cancelled', message: reason }, updatedAt: new Date().toISOString() },
      { unlessStatus: ['completed', 'cancelled'] },
    );
    return after.status === 'completed' ? { kind: 'over', status: after.status } : { kind: 'signalled' };
  };
  if ((await liveWorkersOf(store, runId)).length > 0) return signal();
  let lock;
  try {
    lock = await store.acquireRun(runId, `${hostname()}:${process.pid}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return signal();
  }
  try {
    return { kind: 'cancelled', ...(await cancelStoredRun({ store, runId, actor: by, reason })) };
  } finally {
    await lock.release();
  }
}
