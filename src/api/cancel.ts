import { hostname } from 'node:os';
import { UsageError, type RunStatus } from '../domain/index.js';
import { cancelRun as cancelStoredRun } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { personName } from './person-name.js';
import { getRun } from './queries.js';

/** What {@link cancelRun} did. */
export type CancelOutcome =
  /** The run had already ended that way; nothing changed. */
  | { kind: 'over'; status: RunStatus }
  /** A live process drives the run: it was told, and stops and cancels the nodes itself within a poll. */
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
  let lock;
  try {
    lock = await store.acquireRun(runId, `${hostname()}:${process.pid}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // A live process drives the run: it polls the run's status, stops, and cancels the nodes itself.
    await store.updateRun(runId, {
      status: 'cancelled',
      stopReason: { kind: 'cancelled', message: reason },
      updatedAt: new Date().toISOString(),
    });
    return { kind: 'signalled' };
  }
  try {
    return { kind: 'cancelled', ...(await cancelStoredRun({ store, runId, actor: by, reason })) };
  } finally {
    await lock.release();
  }
}
