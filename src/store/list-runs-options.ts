import type { Run, RunStatus } from '../domain/index.js';

/** Which runs `Store.listRuns` answers, in its order: newest first, the larger id first on a tie. */
export interface ListRunsOptions {
  /** Only runs in this state. */
  status?: RunStatus;
  /** Only the runs after this one in that order (a page's last run, for the next page). */
  after?: Pick<Run, 'createdAt' | 'id'>;
  /** At most this many. */
  limit?: number;
}

/** True when `run` comes before `other` in the runs' order (newest first, the larger id first). */
function listedBefore(
  run: Pick<Run, 'createdAt' | 'id'>,
  other: Pick<Run, 'createdAt' | 'id'>,
): boolean {
  return run.createdAt === other.createdAt ? run.id > other.id : run.createdAt > other.createdAt;
}

/** The runs `options` asks for, out of all of them (a store that holds them in memory). */
export function selectRuns(runs: readonly Run[], options: ListRunsOptions = {}): Run[] {
  const { status, after, limit } = options;
  const selected = runs
    .filter((run) => (status === undefined || run.status === status) && (!after || listedBefore(after, run)))
    .sort((a, b) => (listedBefore(a, b) ? -1 : listedBefore(b, a) ? 1 : 0));
  return limit === undefined ? selected : selected.slice(0, limit);
}
