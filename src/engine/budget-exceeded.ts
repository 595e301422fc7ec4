import { budgetFlags, BudgetExceededError, limitReached, type BudgetName, type Spent } from '../domain/index.js';

/**
 * The error of a budget the next step would exceed. Its message names the limit and the flag that
 * raises it; the hint says how to continue the run.
 */
export function budgetExceeded(budget: BudgetName, limit: number, spent?: Spent): BudgetExceededError {
  const { message } = limitReached(budget, limit, spent);
  const unknownCost = budget === 'maxCostUsd' && spent?.costUsd === null;
  return new BudgetExceededError(budget, message, {
    hint: unknownCost
      ? 'add the model to src/llm/prices.json, or limit the run with --max-tokens instead of --max-cost'
      : `resume with a higher limit, e.g. arbor resume RUN ${budgetFlags[budget]} N`,
  });
}
