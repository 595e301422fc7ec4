import { budgetFlags, BudgetExceededError, type BudgetName, type Limits, type Usage } from '../domain/index.js';
import type { Reservation } from '../agents/index.js';

/**
 * A run's call, token and cost budgets. A call reserves before it starts and settles after, so
 * parallel calls cannot overshoot a budget by more than the calls already in flight (DESIGN §7).
 */
export class Budget {
  private calls: number;
  private tokens: number;
  /** Null once a call of a model without a price was settled: the cost is unknown from then on. */
  private costUsd: number | null;
  private inFlightCalls = 0;
  private inFlightTokens = 0;

  constructor(
    private limits: Limits,
    used: Usage,
  ) {
    this.calls = used.calls;
    this.tokens = used.inputTokens + used.outputTokens;
    this.costUsd = used.costUsd;
  }

  /** Throws `BudgetExceededError` when the next call would not fit; otherwise holds its share. */
  reserve(estimate: { inputTokens: number }): Reservation {
    const { maxCalls, maxTokens, maxCostUsd } = this.limits;
    if (maxCalls !== null && this.calls + this.inFlightCalls >= maxCalls)
      throw exceeded('maxCalls', `the run reached its limit of ${maxCalls} LLM calls`);
    if (maxTokens !== null && this.tokens + this.inFlightTokens >= maxTokens)
      throw exceeded('maxTokens', `the run reached its limit of ${maxTokens} tokens (used ${this.tokens})`);
    // An unknown cost must not pass for zero: with a cost limit set, it stops the run and says so.
    if (maxCostUsd !== null && this.costUsd === null)
      throw exceeded(
        'maxCostUsd',
        `the run's cost is unknown (a model without a price in the price table answered), so its cost limit of $${maxCostUsd} cannot be enforced`,
        'add the model to src/llm/prices.json, or limit the run with --max-tokens instead of --max-cost',
      );
    if (maxCostUsd !== null && this.costUsd !== null && this.costUsd >= maxCostUsd)
      throw exceeded('maxCostUsd', `the run reached its cost limit of $${maxCostUsd} (spent $${this.costUsd.toFixed(4)})`);
    this.inFlightCalls++;
    this.inFlightTokens += estimate.inputTokens;
    let open = true;
    const release = () => {
      if (!open) return false;
      open = false;
      this.inFlightCalls--;
      this.inFlightTokens -= estimate.inputTokens;
      return true;
    };
    return {
      settle: (usage) => {
        if (!release()) return;
        this.calls += usage.calls;
        this.tokens += usage.inputTokens + usage.outputTokens;
        this.costUsd = this.costUsd === null || usage.costUsd === null ? null : this.costUsd + usage.costUsd;
      },
      cancel: () => void release(),
    };
  }
}

function exceeded(budget: BudgetName, message: string, hint?: string): BudgetExceededError {
  return new BudgetExceededError(budget, message, {
    hint: hint ?? `resume with a higher limit, e.g. arbor resume RUN ${budgetFlags[budget]} N`,
  });
}
