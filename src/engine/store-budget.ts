import { budgetFlags, BudgetExceededError, totalTokens, type BudgetName, type Limits, type Run } from '../domain/index.js';
import type { Reservation } from '../agents/index.js';
import type { Store } from '../store/index.js';

/**
 * A shared run's call, token and cost budgets, held in the store so that every worker draws on the
 * same ones (DESIGN §7): a call reserves before it starts and settles after, each with one atomic
 * write on the run document, so workers together overshoot a budget by at most the calls in flight.
 */
export class StoreBudget {
  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly limits: Limits,
  ) {}

  /** Rejects with `BudgetExceededError` when the next call would not fit; otherwise holds its share. */
  async reserve(estimate: { inputTokens: number }): Promise<Reservation> {
    const tokens = estimate.inputTokens;
    const { store, runId } = this;
    const answer = await store.reserveBudget({ runId, limits: this.limits, tokens });
    if (!answer.reserved) throw exceeded(answer.budget, answer.run, this.limits);
    let open = true;
    return {
      settle: async (usage) => {
        if (!open) return;
        open = false;
        await store.settleBudget({ runId, tokens, usage });
      },
      cancel: async () => {
        if (!open) return;
        open = false;
        await store.settleBudget({ runId, tokens, usage: null });
      },
    };
  }
}

function exceeded(budget: BudgetName, run: Run, limits: Limits): BudgetExceededError {
  const hint = `resume with a higher limit, e.g. arbor resume RUN ${budgetFlags[budget]} N`;
  switch (budget) {
    case 'maxTokens':
      return new BudgetExceededError(
        budget,
        `the run reached its limit of ${limits.maxTokens} tokens (used ${totalTokens(run.usage)})`,
        { hint },
      );
    case 'maxCostUsd':
      return run.usage.costUsd === null
        ? new BudgetExceededError(
            budget,
            `the run's cost is unknown (a model without a price in the price table answered), so its cost limit of $${limits.maxCostUsd} cannot be enforced`,
            { hint: 'add the model to src/llm/prices.json, or limit the run with --max-tokens instead of --max-cost' },
          )
        : new BudgetExceededError(
            budget,
            `the run reached its cost limit of $${limits.maxCostUsd} (spent $${run.usage.costUsd.toFixed(4)})`,
            { hint },
          );
    default:
      return new BudgetExceededError(budget, `the run reached its limit of ${limits.maxCalls} LLM calls`, { hint });
  }
}
