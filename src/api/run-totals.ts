import { z } from 'zod';
import { totalTokens, type Run } from '../domain/index.js';

/** One day's runs (by the day they started, UTC). */
export const dayTotalsSchema = z.object({
  /** `YYYY-MM-DD`. */
  day: z.string(),
  runs: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  calls: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  /** Null when a model's price is unknown for some call. */
  costUsd: z.number().nonnegative().nullable(),
});

/** Totals across runs: `arbor runs --stats`. */
export const runTotalsSchema = z.object({
  runs: z.number().int().nonnegative(),
  byStatus: z.record(z.string(), z.number().int().nonnegative()),
  /** Failed runs among those that ended (completed, failed or cancelled); null when none ended. */
  failureRate: z.number().min(0).max(1).nullable(),
  /** Median time from start to end of the runs that ended; null when none ended. */
  medianRunMs: z.number().nonnegative().nullable(),
  calls: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().nullable(),
  /** Newest day first. */
  byDay: z.array(dayTotalsSchema),
});

/** Totals across runs. */
export type RunTotals = z.infer<typeof runTotalsSchema>;

/** Cost per day, failure rate and median run time over `runs` (their stored documents only). */
export function runTotals(runs: readonly Run[]): RunTotals {
  const byStatus: Record<string, number> = {};
  const days = new Map<string, z.infer<typeof dayTotalsSchema>>();
  const durations: number[] = [];
  let costUsd: number | null = 0;
  for (const run of runs) {
    byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
    const day = run.createdAt.slice(0, 10);
    const entry = days.get(day) ?? { day, runs: 0, failed: 0, calls: 0, tokens: 0, costUsd: 0 };
    entry.runs++;
    if (run.status === 'failed') entry.failed++;
    entry.calls += run.usage.calls;
    entry.tokens += totalTokens(run.usage);
    entry.costUsd = addCost(entry.costUsd, run.usage.costUsd);
    days.set(day, entry);
    costUsd = addCost(costUsd, run.usage.costUsd);
    if (run.endedAt) durations.push(Math.max(0, Date.parse(run.endedAt) - Date.parse(run.createdAt)));
  }
  const ended = (byStatus.completed ?? 0) + (byStatus.failed ?? 0) + (byStatus.cancelled ?? 0);
  return {
    runs: runs.length,
    byStatus,
    failureRate: ended > 0 ? (byStatus.failed ?? 0) / ended : null,
    medianRunMs: median(durations),
    calls: runs.reduce((sum, run) => sum + run.usage.calls, 0),
    tokens: runs.reduce((sum, run) => sum + totalTokens(run.usage), 0),
    costUsd,
    byDay: [...days.values()].sort((a, b) => b.day.localeCompare(a.day)),
  };
}

function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
