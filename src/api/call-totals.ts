import { z } from 'zod';
import type { ModelCall } from '../domain/index.js';

/** What a set of model calls cost: calls, tokens, USD and time spent in calls. */
export const callTotalsSchema = z.object({
  calls: z.number().int().nonnegative(),
  /** Calls that ended in an error (after any provider retries). */
  failedCalls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  /** Null when a model's price is unknown for at least one call. */
  costUsd: z.number().nonnegative().nullable(),
  /** Time spent in the calls, added up (calls in parallel each count). */
  callMs: z.number().nonnegative(),
});

/** What a set of model calls cost. */
export type CallTotals = z.infer<typeof callTotalsSchema>;

/** How long one call took, from its start to its end (never negative). */
export function callDurationMs(call: Pick<ModelCall, 'startedAt' | 'endedAt'>): number {
  const ms = Date.parse(call.endedAt) - Date.parse(call.startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** Adds up the calls, tokens, cost and call time of `calls`. A failed call costs time but no tokens. */
export function sumCalls(calls: Iterable<ModelCall>): CallTotals {
  const totals: CallTotals = {
    calls: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    callMs: 0,
  };
  for (const call of calls) {
    totals.calls++;
    if (call.error !== null) totals.failedCalls++;
    totals.callMs += callDurationMs(call);
    if (!call.usage) continue;
    totals.inputTokens += call.usage.inputTokens;
    totals.outputTokens += call.usage.outputTokens;
    totals.cachedTokens += call.usage.cachedTokens;
    totals.costUsd =
      totals.costUsd === null || call.usage.costUsd === null ? null : totals.costUsd + call.usage.costUsd;
  }
  return totals;
}
