import { z } from 'zod';
import { nodeStatusSchema } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { getRun, unknownNode } from './queries.js';

/**
 * One stored transition of a run, numbered as a checkpoint: its place (1-based) in the run's whole
 * history, so a checkpoint keeps its number whether the history is read whole or for one node.
 */
export const checkpointSchema = z.object({
  number: z.number().int().positive(),
  at: z.string(),
  nodeId: z.string(),
  /** The node's title; the root's is the run's prompt. */
  title: z.string(),
  /** The titles from the root's first level down to the node (empty for the root). */
  path: z.array(z.string()),
  /** What happened: `create`, `start`, `submit`, `pass`, `decide`, `redo`, … */
  type: z.string(),
  from: nodeStatusSchema.nullable(),
  to: nodeStatusSchema,
  /** Who made the change: the driving process (`HOST:PID`), a worker, or a person. */
  by: z.string(),
  /** Why, where the transition has a reason: a decision with its comment, a failure, a redo. */
  reason: z.string().nullable(),
});

/** One numbered checkpoint of a run's history. */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** `arbor history RUN --json` and {@link runHistory}: the run's checkpoints, oldest first. */
export const runHistorySchema = z.object({
  runId: z.string(),
  /** The node the history is limited to (`--node`), or null for the whole run. */
  nodeId: z.string().nullable(),
  checkpoints: z.array(checkpointSchema),
});

/** A run's checkpoints, oldest first. */
export type RunHistory = z.infer<typeof runHistorySchema>;

/**
 * The run's stored transitions in order, numbered 1..N as checkpoints; with `nodeId`, only that
 * node's (keeping their numbers). A {@link NotFoundError} for an unknown run or node.
 */
export async function runHistory(
  store: Store,
  runId: string,
  options: { nodeId?: string } = {},
): Promise<RunHistory> {
  await getRun(store, runId);
  const [nodes, events] = await Promise.all([store.listNodes(runId), store.listEvents(runId)]);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const { nodeId } = options;
  if (nodeId !== undefined && !byId.has(nodeId)) throw unknownNode(runId, nodeId);
  const pathOf = (id: string): string[] => {
    const node = byId.get(id);
    if (!node || node.parentId === null) return [];
    return [...node.ancestors.slice(1), node.id].map((step) => byId.get(step)?.title ?? step);
  };
  const checkpoints = events.map((event, index) => ({
    number: index + 1,
    at: event.at,
    nodeId: event.nodeId,
    title: byId.get(event.nodeId)?.title ?? '',
    path: pathOf(event.nodeId),
    type: event.type,
    from: event.from,
    to: event.to,
    by: event.actor,
    reason: event.reason,
  }));
  return {
    runId,
    nodeId: nodeId ?? null,
    checkpoints: nodeId === undefined ? checkpoints : checkpoints.filter((point) => point.nodeId === nodeId),
  };
}
