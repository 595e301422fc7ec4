import { createHash } from 'node:crypto';

/**
 * The id of the run a schedule's tick starts: the same for the same schedule and tick in every
 * process, so a tick whose start is tried again (its first process died after claiming it) finds
 * its run stored instead of storing a second one. Shaped like every run id (`r-` and 10 hex).
 */
export function scheduledRunId(scheduleName: string, tick: string): string {
  return `r-${createHash('sha256').update(`${scheduleName}\n${tick}`).digest('hex').slice(0, 10)}`;
}
