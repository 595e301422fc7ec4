import { ArborError, isTerminal, transition } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** Options of {@link cancelRun}. */
export interface CancelRunOptions {
  store: Store;
  runId: string;
  /** Who cancels, recorded on the node events. */
  actor: string;
  reason: string;
}

/** What {@link cancelRun} did. */
export interface CancelRunOutcome {
  cancelled: number;
  /** Nodes left waiting at an undecided approval gate. */
  gated: number;
}

/**
 * Marks a run cancelled: every node that has not finished moves to `cancelled` through the
 * transition function (one event each), then the run. A node waiting at an approval gate nobody
 * decided keeps waiting: a cancelled node is reopened as ready by `resume`, and cancelling must
 * never let gated work run unapproved. The caller must hold the run (no engine is driving it), or
 * the engine's next write would conflict.
 */
export async function cancelRun(options: CancelRunOptions): Promise<CancelRunOutcome> {
  const { store, runId, actor, reason } = options;
  const at = new Date().toISOString();
  let cancelled = 0;
  let gated = 0;
  // Deepest first, so no parent is cancelled while a child still looks open in a listing.
  const open = (await store.listNodes(runId)).filter((node) => !isTerminal(node.status)).sort((a, b) => b.depth - a.depth);
  for (const node of open) {
    if (node.status === 'awaiting_approval' && node.approval?.kind === 'gate' && node.approval.decision === null) {
      gated++;
      continue;
    }
    const moved = transition(node, { type: 'cancel', reason }, { at, actor });
    if (!moved.success) throw new ArborError(`internal: ${moved.error}`, { runId, nodeId: node.id });
    await store.updateNode({ runId, nodeId: node.id, expectedVersion: node.version, patch: moved.value.patch, events: [moved.value.event] });
    cancelled++;
  }
  await store.updateRun(runId, { status: 'cancelled', stopReason: { kind: 'cancelled', message: reason }, updatedAt: at, endedAt: at });
  return { cancelled, gated };
}
