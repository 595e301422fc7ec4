import { addUsage, totalTokens, type Run, type Usage } from '../../domain/index.js';
import type { BudgetReservation, ReserveBudgetOptions } from '../store.js';

interface Counters {
  calls: number;
  tokens: number;
}

/**
 * The embedded store's side of shared budgets: counters kept in this process only, one set per store
 * folder, so that every store instance of the process on that folder (engines sharing a run, a
 * service beside code of its own) reserves from the same counters. The embedded store serves one
 * process at a time, so holding them in memory is exact; workers that share runs across processes
 * need MongoDB.
 */
export class EmbeddedBudgets {
  private static readonly byFolder = new Map<string, EmbeddedBudgets>();
  private readonly committed = new Map<string, Counters>();

  /** The counters of the store in `folder` (absolute) in this process. */
  static of(folder: string): EmbeddedBudgets {
    let budgets = EmbeddedBudgets.byFolder.get(folder);
    if (!budgets) EmbeddedBudgets.byFolder.set(folder, (budgets = new EmbeddedBudgets()));
    return budgets;
  }

  /** Holds one call when it fits; `run` is the stored run (its limits and usage). */
  reserve(run: Run, options: ReserveBudgetOptions): BudgetReservation {
    const { limits, tokens } = options;
    const counters = this.countersOf(run);
    if (limits.maxCalls !== null && counters.calls >= limits.maxCalls) return { reserved: false, budget: 'maxCalls', run };
    if (limits.maxTokens !== null && counters.tokens >= limits.maxTokens)
      return { reserved: false, budget: 'maxTokens', run };
    const cost = run.usage.costUsd;
    if (limits.maxCostUsd !== null && (cost === null || cost >= limits.maxCostUsd))
      return { reserved: false, budget: 'maxCostUsd', run };
    counters.calls += 1;
    counters.tokens += tokens;
    return { reserved: true };
  }

  /** Releases a reservation; returns the run's usage with the call's added (null: unchanged). */
  settle(run: Run, tokens: number, usage: Usage | null): Usage | null {
    const counters = this.countersOf(run);
    counters.calls += (usage?.calls ?? 0) - 1;
    counters.tokens += (usage ? totalTokens(usage) : 0) - tokens;
    return usage ? addUsage(run.usage, usage) : null;
  }

  private countersOf(run: Run): Counters {
    let counters = this.committed.get(run.id);
    if (!counters) {
      counters = { calls: run.usage.calls, tokens: totalTokens(run.usage) };
      this.committed.set(run.id, counters);
    }
    return counters;
  }
}
