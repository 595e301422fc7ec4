import {
  NotFoundError,
  runStatusSchema,
  UsageError,
  type ModelCall,
  type NodeEvent,
  type Run,
  type RunStatus,
  type TaskNode,
} from '../domain/index.js';
import type { ListRunsOptions, Store } from '../store/index.js';
import { pendingApprovals, type PendingApproval } from './decisions.js';

/** A node with its children, in order: the shape of `arbor tree --json` and `GET /v1/runs/:run/tree`. */
export type TreeNode = TaskNode & { children: TreeNode[] };

/** A run's whole tree: `{ runId, status, root }`. */
export interface RunTree {
  runId: string;
  status: RunStatus;
  root: TreeNode;
}

/** One node's full record: `arbor show --json` and `GET /v1/runs/:run/nodes/:node`. */
export interface NodeRecord {
  node: TaskNode;
  events: NodeEvent[];
  calls: ModelCall[];
  /** What a person is asked, while the node waits for a decision nobody has made; else null. */
  pendingApproval: PendingApproval | null;
}

/** The stored run, or a {@link NotFoundError} that says how to find run ids. */
export async function getRun(store: Store, runId: string): Promise<Run> {
  const run = await store.getRun(runId);
  if (!run)
    throw new NotFoundError(`no run "${runId}" in ${store.location}`, {
      runId,
      hint: 'list runs with `arbor runs` (and pass the same --store the run used)',
      httpHint: 'list runs: GET /v1/runs',
    });
  return run;
}

/**
 * Runs, newest first; `status` keeps only runs in that state, `after` only the runs listed after
 * that one (a page's last run, for the next page), `limit` the first N. The store answers just those.
 */
export async function listRuns(store: Store, options: ListRunsOptions = {}): Promise<Run[]> {
  checkListRunsOptions(options);
  return store.listRuns(options);
}

/** Refuses options a store would answer wrongly (a negative limit slices from the end) or not at all. */
function checkListRunsOptions({ status, limit, after }: ListRunsOptions): void {
  if (status !== undefined && !runStatusSchema.safeParse(status).success)
    throw new UsageError(`no run status "${String(status)}"`, { hint: `use one of ${runStatusSchema.options.join(', ')}` });
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`limit ${String(limit)} is not a whole number above 0`, { hint: 'pass limit: 20, or leave it out for every run' });
  if (after !== undefined && (typeof after !== 'object' || typeof after?.id !== 'string' || typeof after.createdAt !== 'string'))
    throw new UsageError('after is not a run', {
      hint: "pass the last run of the previous page (a run, with its id and createdAt), not its id: listRuns(store, { after: page.at(-1) })",
    });
}

/** The run's nodes nested under its root, children in order. */
export async function getTree(store: Store, runId: string): Promise<RunTree> {
  const run = await getRun(store, runId);
  return { runId, status: run.status, root: assembleTree(run, await store.listNodes(runId)) };
}

/** One node with its events and model calls; a {@link NotFoundError} when the run or node is unknown. */
export async function getNode(store: Store, runId: string, nodeId: string): Promise<NodeRecord> {
  await getRun(store, runId);
  const node = await store.getNode(runId, nodeId);
  if (!node) throw unknownNode(runId, nodeId);
  const [events, calls] = await Promise.all([
    store.listEvents(runId, nodeId),
    store.listCalls(runId, nodeId),
  ]);
  return { node, events, calls, pendingApproval: pendingApprovals([node])[0] ?? null };
}

/** Nests the nodes under the run's root, children sorted by their order. */
export function assembleTree(run: Pick<Run, 'id' | 'rootId'>, nodes: readonly TaskNode[]): TreeNode {
  const { root, childrenOf } = treeShape(run, nodes);
  const nest = (node: TaskNode): TreeNode => ({ ...node, children: childrenOf(node.id).map(nest) });
  return nest(root);
}

/**
 * The run's root and each node's children sorted by their order (nodes whose parent is not there
 * are left out): the one shape both {@link assembleTree} and {@link runTreeJson} give a tree.
 */
function treeShape(
  run: Pick<Run, 'id' | 'rootId'>,
  nodes: readonly TaskNode[],
): { root: TaskNode; childrenOf: (nodeId: string) => readonly TaskNode[] } {
  const children = new Map<string, TaskNode[]>();
  let root: TaskNode | undefined;
  for (const node of nodes) {
    if (node.id === run.rootId) root = node;
    if (node.parentId === null) continue;
    const siblings = children.get(node.parentId);
    if (siblings) siblings.push(node);
    else children.set(node.parentId, [node]);
  }
  if (!root) throw new Error(`run ${run.id} has no root node`);
  for (const siblings of children.values()) siblings.sort((a, b) => a.order - b.order);
  return { root, childrenOf: (nodeId) => children.get(nodeId) ?? [] };
}

/**
 * The run's tree as the JSON text of a {@link RunTree}, byte for byte what `JSON.stringify` makes of
 * `{ runId, status, root: assembleTree(run, nodes) }`, built from each node's text: a node version's
 * text is made once and reused while that version is current (a version is an immutable value in
 * the engine and the embedded store), so serving a large tree again costs a walk and a join, not a
 * copy and a stringify of every node. `GET /v1/runs/:run/tree` answers with it.
 */
export function runTreeJson(run: Pick<Run, 'id' | 'rootId' | 'status'>, nodes: readonly TaskNode[]): string {
  const { root, childrenOf } = treeShape(run, nodes);
  const parts: string[] = [`{"runId":${JSON.stringify(run.id)},"status":${JSON.stringify(run.status)},"root":`];
  const visit = (node: TaskNode): void => {
    const text = nodeJson(node);
    parts.push(text.slice(0, -1), text.length > 2 ? ',"children":[' : '"children":[');
    childrenOf(node.id).forEach((child, index) => {
      if (index > 0) parts.push(',');
      visit(child);
    });
    parts.push(']}');
  };
  visit(root);
  parts.push('}');
  return parts.join('');
}

/** Each node version's JSON text, while the version lives (checked by version and time, in case). */
const nodeTexts = new WeakMap<TaskNode, { version: number; updatedAt: string; text: string }>();

function nodeJson(node: TaskNode): string {
  const known = nodeTexts.get(node);
  if (known && known.version === node.version && known.updatedAt === node.updatedAt) return known.text;
  const text = JSON.stringify(node);
  nodeTexts.set(node, { version: node.version, updatedAt: node.updatedAt, text });
  return text;
}

/** The error for a node id the run does not have. */
export function unknownNode(runId: string, nodeId: string): NotFoundError {
  return new NotFoundError(`run ${runId} has no node "${nodeId}"`, {
    runId,
    nodeId,
    hint: `see the node ids with: arbor tree ${runId}`,
    httpHint: `see the node ids: GET /v1/runs/${runId}/tree`,
  });
}
