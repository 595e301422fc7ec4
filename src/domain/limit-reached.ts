import { z } from 'zod';
import { budgetFlags, budgetNameSchema, type BudgetName } from './limits.js';

/**
 * A run limit that stopped work: which one, and a message that names the flag raising it. Stored on
 * a node's error (the node, or a subtask of it, ran into the limit) so that `arbor tree` and the
 * run's end can say which limit stopped the run long after it ended.
 */
export const limitStopSchema = z.object({ budget: budgetNameSchema, message: z.string() });

/** A run limit that stopped work. */
export type LimitStop = z.infer<typeof limitStopSchema>;

/** What the run had spent when a call, token or cost budget stopped it. */
export interface Spent {
  tokens: number;
  /** Null when a model without a price answered: the cost is unknown. */
  costUsd: number | null;
}

/**
 * What reaching `budget` (set to `limit`) says: the limit, what was spent, and the flag that raises
 * it (`the run reached its limit of 3 nodes (raise it with --max-nodes)`). An unknown cost under a
 * cost limit cannot be fixed by raising it, so that message says what can.
 */
export function limitReached(budget: BudgetName, limit: number, spent: Spent = { tokens: 0, costUsd: 0 }): LimitStop {
  const raise = `(raise it with ${budgetFlags[budget]})`;
  switch (budget) {
    case 'maxDepth':
      return { budget, message: `the tree may not grow deeper than ${limit} levels ${raise}` };
    case 'maxNodes':
      return { budget, message: `the run reached its limit of ${limit} nodes ${raise}` };
    case 'maxCalls':
      return { budget, message: `the run reached its limit of ${limit} LLM calls ${raise}` };
    case 'maxTokens':
      return { budget, message: `the run reached its limit of ${limit} tokens, having used ${spent.tokens} ${raise}` };
    case 'maxCostUsd':
      return spent.costUsd === null
        ? {
            budget,
            message: `the run's cost is unknown (a model without a price in the price table answered), so its cost limit of $${limit} cannot be enforced: add the model to src/llm/prices.json, or limit the run with --max-tokens instead of --max-cost`,
          }
        : {
            budget,
            message: `the run reached its cost limit of $${limit}, having spent $${spent.costUsd.toFixed(4)} ${raise}`,
          };
  }
}
