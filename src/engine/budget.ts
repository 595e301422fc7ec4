import type { Limits, Usage } from '../domain/index.js';
import type { Reservation } from '../agents/index.js';
import { budgetExceeded } from './budget-exceeded.js';

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
    const spent = { tokens: this.tokens, costUsd: this.costUsd };
    if (maxCalls !== null && this.calls + this.inFlightCalls >= maxCalls)
      throw budgetExceeded('maxCalls', maxCalls, spent);
    if (maxTokens !== null && this.tokens + this.inFlightTokens >= maxTokens)
      throw budgetExceeded('maxTokens', maxTokens, spent);
    // An unknown cost must not pass for zero: with a cost limit set, it stops the run and says so.
    if (maxCostUsd !== null && (this.costUsd === null || this.costUsd >= maxCostUsd))
      throw budgetExceeded('maxCostUsd', maxCostUsd, spent);
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
