import { emptyUsage, isTerminal } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { ApprovalDesk } from './approval-desk.js';
import { now } from './engine-support.js';
import { NodeWriter } from './node-writer.js';
import { TreeState } from './tree-state.js';

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
  /** Unfinished nodes moved to `cancelled`. */
  cancelled: number;
  /** Of those, the nodes that waited for a person's decision (a gate or an escalation). */
  undecided: number;
  /** Decisions recorded before the cancel but not yet applied, applied first. */
  decided: number;
}

/**
 * Marks a run cancelled: every node that has not finished moves to `cancelled` through the
 * transition function (one event each), then the run. Decisions people recorded are applied first,
 * so a rejected node stays rejected; a node still waiting for a decision is cancelled too, and
 * `resume` reopens it to wait again. The caller must hold the run (no engine is driving it), or the
 * engine's next write would conflict.
 */
export async function cancelRun(options: CancelRunOptions): Promise<CancelRunOutcome> {
  const { store, runId, actor, reason } = options;
  const tree = new TreeState(await store.listNodes(runId));
  const writer = new NodeWriter({
    store,
    runId,
    actor,
    tree,
    totals: { usage: emptyUsage, dirty: false },
    onTransition: () => undefined,
  });
  const desk = new ApprovalDesk({ store, runId, tree, writer, emit: () => undefined, kick: () => undefined });
  let decided = 0;
  for (const node of [...tree.values()].filter((candidate) => candidate.status === 'awaiting_approval')) {
    if (await desk.applyDecision(node)) decided++;
  }

  let cancelled = 0;
  let undecided = 0;
  // Deepest first, so no parent is cancelled while a child still looks open in a listing.
  const open = [...tree.values()]
    .filter((node) => !isTerminal(node.status))
    .sort((a, b) => b.depth - a.depth);
  for (const node of open) {
    if (node.status === 'awaiting_approval') undecided++;
    await writer.apply(node, { type: 'cancel', reason });
    cancelled++;
  }
  const at = now();
  await store.updateRun(runId, {
    status: 'cancelled',
    stopReason: { kind: 'cancelled', message: reason },
    updatedAt: at,
    endedAt: at,
  });
  return { cancelled, undecided, decided };
}
