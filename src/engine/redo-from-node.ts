import {
  emptyPipeline,
  isTerminal,
  NotFoundError,
  StateConflictError,
  type NodePatch,
  type NodeTransitionEvent,
  type TaskNode,
} from '../domain/index.js';
import type { NodeWriter } from './node-writer.js';
import type { TreeState } from './tree-state.js';

/** What `resume --from-node` asks for: the node whose subtree is done again, and the reason each redo records. */
export interface RedoRequest {
  nodeId: string;
  /** E.g. `resumed from node 0.1 by ada`. */
  reason: string;
}

/** The nodes a redo from one node re-opens (see {@link redoTargets}). */
export interface RedoTargets {
  /** Nodes done again with everything under them (a parent redoes its kept children when it starts). */
  whole: TaskNode[];
  /** Ancestors that only roll up again: back to waiting on their children. */
  rollUps: TaskNode[];
}

/** Why a redo cannot be done: the node is unknown, or not settled (still waiting, ready or in flight). */
export interface RedoRefusal {
  kind: 'unknown' | 'unsettled';
  message: string;
}

/** Why a redo from `nodeId` cannot be done, or null when it can (the node is settled). */
export function redoRefusal(tree: TreeState, runId: string, nodeId: string): RedoRefusal | null {
  const node = tree.get(nodeId);
  if (!node) return { kind: 'unknown', message: `run ${runId} has no node "${nodeId}"` };
  if (isTerminal(node.status)) return null;
  return {
    kind: 'unsettled',
    message: `node ${nodeId} ("${node.title}") is ${node.status}: only a settled node (completed, failed, skipped or cancelled) can be done again`,
  };
}

/**
 * Throws a {@link NotFoundError} or {@link StateConflictError} (usage errors: exit 2) when a redo
 * from `nodeId` cannot be done. The library checks first, with hints; this guards the engine.
 */
export function checkRedo(tree: TreeState, runId: string, nodeId: string): void {
  const refusal = redoRefusal(tree, runId, nodeId);
  if (!refusal) return;
  const ErrorClass = refusal.kind === 'unknown' ? NotFoundError : StateConflictError;
  throw new ErrorClass(refusal.message, { runId, nodeId });
}

/**
 * Everything whose input changes when `nodeId` is done again: its subtree; every node that depends
 * on a re-opened node (sibling `dependsOn` edges, transitively) with its subtree; and every ancestor
 * of a re-opened node, which rolls up again — and whose own dependents are done again too, since
 * they read its roll-up. Nodes inside a re-opened subtree are not listed on their own.
 */
export function redoTargets(tree: TreeState, nodeId: string): RedoTargets {
  const whole = new Set<string>();
  const rollUps = new Set<string>();
  const redoWhole = (node: TaskNode): void => {
    if (whole.has(node.id)) return;
    whole.add(node.id);
    for (const dependent of tree.dependentsOf(node.id)) redoWhole(dependent);
    if (node.parentId !== null) rollUp(tree.require(node.parentId));
  };
  const rollUp = (node: TaskNode): void => {
    if (rollUps.has(node.id)) return;
    rollUps.add(node.id);
    for (const dependent of tree.dependentsOf(node.id)) redoWhole(dependent);
    if (node.parentId !== null) rollUp(tree.require(node.parentId));
  };
  redoWhole(tree.require(nodeId));
  const inside = (node: TaskNode) => node.ancestors.some((id) => whole.has(id));
  return {
    whole: [...whole].map((id) => tree.require(id)).filter((node) => !inside(node)),
    rollUps: [...rollUps]
      .map((id) => tree.require(id))
      .filter((node) => !whole.has(node.id) && !inside(node)),
  };
}

/**
 * Re-opens what a redo from `request.nodeId` reaches ({@link redoTargets}), each with a stored
 * `redo` transition: ancestors (deepest first) go back to waiting on their children, the rest is
 * done again. Nodes that are not settled (a branch still waiting) are left as they are.
 */
export async function redoFromNode(options: {
  tree: TreeState;
  writer: NodeWriter;
  request: RedoRequest;
}): Promise<void> {
  const { tree, writer, request } = options;
  const { whole, rollUps } = redoTargets(tree, request.nodeId);
  rollUps.sort((a, b) => b.depth - a.depth);
  for (const node of rollUps)
    if (isTerminal(node.status))
      await writer.apply(node, { type: 'redo', to: 'decomposed', reason: request.reason });
  await redoNodes({
    tree,
    writer,
    nodes: whole,
    request,
    reopened: new Set([...whole, ...rollUps].map((node) => node.id)),
  });
}

/**
 * Has settled nodes done again, with their subtrees: a leaf gets its executor and checker again; a
 * parent keeps its children and its stored execution and starts again, to redo its children then
 * (see `NodePipeline.decompose`); a node with an approval gate asks for it again (a new round).
 * `reopened` holds the nodes that are being re-opened with these, so that a node waiting on one of
 * them waits for it again.
 */
export async function redoNodes(options: {
  tree: TreeState;
  writer: NodeWriter;
  nodes: readonly TaskNode[];
  request: RedoRequest;
  reopened: ReadonlySet<string>;
}): Promise<void> {
  const { tree, writer, request, reopened } = options;
  for (const listed of options.nodes) {
    const node = tree.require(listed.id);
    if (!isTerminal(node.status)) continue;
    const waits = node.dependsOn.some((id) => reopened.has(id)) || !tree.dependenciesSettled(node);
    // A gate asked before asks again. A written gate with a condition asks as it starts, once its
    // condition is checked again: its earlier decision no longer holds (the next ask is a new round).
    const asked = node.requiresApproval && node.approval !== null ? node.approval : null;
    const deferred = asked !== null && node.step?.when !== undefined;
    const gate = deferred ? null : asked;
    const to = gate || waits ? 'pending' : 'ready';
    const moves: NodeTransitionEvent[] = [{ type: 'redo', to, reason: request.reason }];
    if (gate)
      moves.push({
        type: 'request-approval',
        kind: 'gate',
        reason: gate.kind === 'gate' ? gate.reason : 'it needs approval before it runs again',
      });
    const parent = tree.childrenOf(node.id).length > 0;
    const patch: NodePatch = {
      ...(parent
        ? { redo: { from: request.nodeId, reason: request.reason } }
        : { pipeline: { ...emptyPipeline }, ...(node.tries === undefined ? {} : { tries: 1 }) }),
      // A new round, not asked yet: no decision recorded for an earlier round can answer it.
      ...(deferred ? { approval: { ...asked, round: asked.round + 1, decision: null } } : {}),
    };
    await writer.apply(node, moves, patch);
  }
}
