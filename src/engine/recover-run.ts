import { conditionSteps, emptyPipeline, type TaskNode } from '../domain/index.js';
import type { NodeWriter } from './node-writer.js';
import { redoFromNode, type RedoRequest } from './redo-from-node.js';
import type { TreeState } from './tree-state.js';
import { stepScope } from './written-steps.js';

/**
 * Makes a run whose previous driver stopped drivable again: nodes that were in flight go back to
 * `ready` (their stored answers kept), and on request failed and cancelled branches reopen — deepest
 * first, so children are open again before their parent looks at them — with the written steps a
 * `when` skipped on such a node's outcome (they decide again once it is done again). A node whose
 * approval request was never decided reopens to wait for that decision (a written gate with a
 * condition, to ask as it starts). A `redo` (`resume --from-node`) re-opens its node's subtree,
 * dependents and ancestors first, so the failed branches it reaches are its own.
 */
export async function recoverRun(options: {
  tree: TreeState;
  writer: NodeWriter;
  reopenFailed: boolean;
  redo?: RedoRequest;
}): Promise<void> {
  const { tree, writer } = options;
  for (const node of [...tree.values()]) {
    if (node.status === 'running')
      await writer.apply(node, { type: 'pause', reason: 'recovered: it was in flight when the run stopped' });
  }
  if (options.redo) await redoFromNode({ tree, writer, request: options.redo });
  if (!options.reopenFailed) return;
  const reopens = (node: TaskNode) =>
    node.status === 'failed' ||
    node.status === 'cancelled' ||
    (node.status === 'skipped' && node.error?.kind === 'dependency');
  const reopenable = [...tree.values()].filter((node) => reopens(node) || decidedOn(node, tree, reopens));
  reopenable.sort((a, b) => b.depth - a.depth);
  for (const node of reopenable) {
    const hasChildren = tree.childrenOf(node.id).length > 0;
    // A parent `resume --from-node` re-opened that never started again still has to redo its
    // children: it starts again (its stored answers kept) rather than wait on them as they are.
    const waitsOnChildren = hasChildren && !node.redo;
    // A node that stopped while it waited for a person waits again: gated work never runs unapproved.
    // A written gate with a condition asks as it starts instead, once its condition is checked again
    // (a redo may have opened its round without asking it: see `redoNodes`).
    const undecided = node.approval !== null && node.approval.decision === null;
    const asksAsItStarts = node.approval?.kind === 'gate' && node.step?.when !== undefined;
    const to = waitsOnChildren
      ? 'decomposed'
      : undecided && !asksAsItStarts
        ? 'awaiting_approval'
        : node.status === 'skipped' || !tree.dependenciesSettled(node)
          ? 'pending'
          : 'ready';
    await writer.apply(
      tree.require(node.id),
      { type: 'reopen', to },
      hasChildren || undecided ? {} : { pipeline: { ...emptyPipeline } },
    );
  }
}

/** A written step its `when` skipped on a step that `reopens` takes back: its decision no longer holds. */
function decidedOn(node: TaskNode, tree: TreeState, reopens: (step: TaskNode) => boolean): boolean {
  const condition = node.step?.when;
  if (node.status !== 'skipped' || node.error?.kind !== 'condition' || !condition) return false;
  const scope = stepScope(node, tree);
  return [...conditionSteps(condition)].some((key) => {
    const step = scope.get(key)?.node;
    return step !== undefined && reopens(step);
  });
}
