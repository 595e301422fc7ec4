import { z } from 'zod';

/** Budgets and limits of a run (DESIGN §7). Null means unlimited. */
export const limitsSchema = z.object({
  maxDepth: z.number().int().positive(),
  maxNodes: z.number().int().positive(),
  maxCalls: z.number().int().positive().nullable(),
  maxTokens: z.number().int().positive().nullable(),
  maxCostUsd: z.number().positive().nullable(),
  /** Global limit of LLM calls in flight. */
  concurrency: z.number().int().positive(),
  /** Executor attempts per node before a person is asked. */
  maxAttempts: z.number().int().positive(),
});

/** Budgets and limits of a run. */
export type Limits = z.infer<typeof limitsSchema>;

/** The limits a run gets when the user sets none. */
export const defaultLimits: Limits = Object.freeze({
  maxDepth: 4,
  maxNodes: 500,
  maxCalls: 2000,
  maxTokens: null,
  maxCostUsd: null,
  concurrency: 8,
  maxAttempts: 3,
});

/** Which budget stopped a run. */
export const budgetNameSchema = z.enum(['maxDepth', 'maxNodes', 'maxCalls', 'maxTokens', 'maxCostUsd']);

/** Which budget stopped a run. */
export type BudgetName = z.infer<typeof budgetNameSchema>;

/** The command-line flag that raises each budget, for messages that say how to continue. */
export const budgetFlags: Record<BudgetName, string> = {
  maxDepth: '--max-depth',
  maxNodes: '--max-nodes',
  maxCalls: '--max-calls',
  maxTokens: '--max-tokens',
  maxCostUsd: '--max-cost',
};
