import { z } from 'zod';

/** Lifecycle states of a task node (DESIGN §3). */
export const nodeStatusSchema = z.enum([
  'pending',
  'ready',
  'running',
  'decomposed',
  'checking',
  'awaiting_approval',
  'completed',
  'failed',
  'skipped',
  'cancelled',
]);

/** Lifecycle state of a task node. */
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

/** Statuses a node never leaves on its own; only `resume` may reopen a failed branch. */
export const terminalStatuses: ReadonlySet<NodeStatus> = new Set([
  'completed',
  'failed',
  'skipped',
  'cancelled',
]);

/** Statuses that satisfy a dependency: the dependent may start. */
export const settledStatuses: ReadonlySet<NodeStatus> = new Set(['completed', 'skipped']);

/** True when the node will not change again without outside help. */
export function isTerminal(status: NodeStatus): boolean {
  return terminalStatuses.has(status);
}

/** How many of the nodes have each status (statuses none has are left out). */
export function countByStatus(nodes: Iterable<{ status: NodeStatus }>): Partial<Record<NodeStatus, number>> {
  const counts: Partial<Record<NodeStatus, number>> = {};
  for (const node of nodes) counts[node.status] = (counts[node.status] ?? 0) + 1;
  return counts;
}
