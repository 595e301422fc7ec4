import { z } from 'zod';

/** Tokens and cost of one or more LLM calls. `costUsd` is null when a model's price is unknown. */
export const usageSchema = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().nullable(),
});

/** Tokens and cost of one or more LLM calls. */
export type Usage = z.infer<typeof usageSchema>;

/** Usage of nothing yet. */
export const emptyUsage: Usage = Object.freeze({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  costUsd: 0,
});

/** Sums two usages; an unknown cost on either side makes the sum's cost unknown. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    costUsd: a.costUsd === null || b.costUsd === null ? null : a.costUsd + b.costUsd,
  };
}

/** Total tokens billed (input plus output). */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens;
}
