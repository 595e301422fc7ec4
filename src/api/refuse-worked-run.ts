import { StateConflictError, type Run, type TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** A worker whose heartbeat is older than this is taken for gone (as `arbor workers` shows them). */
export const liveWorkerWithinMs = 5_000;

/**
 * Refuses to take a run into this process while live workers hold some of its nodes (unexpired
 * leases of workers with a recent heartbeat): the run goes on in them, and a second driver would
 * work the same nodes. A detached run, or one whose driver died and that workers took over. Leases
 * of a process that is gone do not count, so a run whose workers died resumes at once. `nodes` are
 * the run's nodes when the caller has read them.
 */
export async function refuseWorkedRun(store: Store, run: Run, nodes?: readonly TaskNode[], now = Date.now()): Promise<void> {
  const names = await liveWorkersOf(store, run.id, nodes, now);
  if (names.length === 0) return;
  throw new StateConflictError(
    `run ${run.id} is being worked on by arbor worker ${names.join(', ')}: it goes on there, and a second driver would work the same nodes`,
    {
      runId: run.id,
      hint: `watch it with: arbor tree ${run.id} (its workers: arbor workers); to drive it here instead, stop ${names.length === 1 ? 'that worker' : 'those workers'} first (SIGTERM), then resume`,
      httpHint: `watch it: GET /v1/runs/${run.id}; to drive it in this server, stop its workers (SIGTERM) first, then resume`,
    },
  );
}

/** The live workers (by id, sorted) that hold unexpired leases on some of the run's nodes. */
export async function liveWorkersOf(store: Store, runId: string, nodes?: readonly TaskNode[], now = Date.now()): Promise<string[]> {
  const workers = new Set((await store.listWorkers(liveWorkerWithinMs)).map((worker) => worker.id));
  if (workers.size === 0) return [];
  const holders = new Set<string>();
  for (const node of nodes ?? (await store.listNodes(runId)))
    if (node.lease && workers.has(node.lease.owner) && Date.parse(node.lease.expiresAt) > now) holders.add(node.lease.owner);
  return [...holders].sort();
}
