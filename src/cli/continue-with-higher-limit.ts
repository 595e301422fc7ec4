import { budgetFlags, type Run } from '../domain/index.js';

/**
 * `Continue with a higher limit: arbor resume RUN --max-depth N` for a run a limit stopped, naming
 * the flag of that limit; null for any other run, and for an unknown cost under a cost limit, which
 * a higher limit does not fix (its reason says what does).
 */
export function continueWithHigherLimit(run: Pick<Run, 'id' | 'stopReason' | 'usage'>, storeSuffix: string): string | null {
  const reason = run.stopReason;
  if (reason?.kind !== 'budget') return null;
  if (reason.budget === 'maxCostUsd' && run.usage.costUsd === null) return null;
  return `Continue with a higher limit: arbor resume ${run.id}${storeSuffix} ${budgetFlags[reason.budget]} N`;
}
