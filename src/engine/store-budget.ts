import { totalTokens, type BudgetExceededError, type BudgetName, type Limits, type Run } from '../domain/index.js';
import type { Reservation } from '../agents/index.js';
import type { Store } from '../store/index.js';
import { budgetExceeded } from './budget-exceeded.js';

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
  const spent = { tokens: totalTokens(run.usage), costUsd: run.usage.costUsd };
  // The store answers only with the call, token and cost budgets.
  return budgetExceeded(budget, limits[budget] ?? 0, spent);
}
