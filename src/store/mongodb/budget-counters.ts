import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { StoreError, totalTokens, type BudgetName } from '../../domain/index.js';
import { parseRun } from '../read-documents.js';
import type { BudgetReservation, ReserveBudgetOptions, SettleBudgetOptions } from '../store.js';
import type { RunDocument } from './mongo-collections.js';
import { runFields, withoutFields } from './without-fields.js';

/** Wraps one MongoDB call (retries of transient failures). */
type Call = <T>(what: string, operation: () => Promise<T>) => Promise<T>;

/**
 * Holds one call against a run's budgets with a single conditional `$inc` on the run document, so
 * every worker of a shared run draws on the same budgets. `committed` counts the calls and tokens
 * settled plus those held by calls in flight; it starts from the run's `usage` on first use.
 */
export async function reserveRunBudget(
  runs: Collection<RunDocument>,
  options: ReserveBudgetOptions,
  call: Call,
): Promise<BudgetReservation> {
  const { runId, limits, tokens } = options;
  const filter: Filter<RunDocument> = {
    id: runId,
    'committed.calls': limits.maxCalls === null ? { $gte: 0 } : { $lt: limits.maxCalls },
    ...(limits.maxTokens === null ? {} : { 'committed.tokens': { $lt: limits.maxTokens } }),
    ...(limits.maxCostUsd === null ? {} : { 'usage.costUsd': { $ne: null, $lt: limits.maxCostUsd } }),
  };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const taken = await call(`reserving budget in run ${runId}`, () =>
      runs.updateOne(filter, { $inc: { 'committed.calls': 1, 'committed.tokens': tokens } }),
    );
    if (taken.matchedCount === 1) return { reserved: true };
    const document = await call(`reading run ${runId}`, () => runs.findOne({ id: runId }));
    if (!document) throw new StoreError(`run ${runId} does not exist`, { runId });
    const run = parseRun(withoutFields(document, runFields), `runs/${runId}`);
    const committed = document.committed;
    if (!committed) {
      // First reservation of a shared run: start counting from what the run has used so far.
      await call(`starting the budget counters of run ${runId}`, () =>
        runs.updateOne(
          { id: runId, committed: null },
          { $set: { committed: { calls: run.usage.calls, tokens: totalTokens(run.usage) } } },
        ),
      );
      continue;
    }
    const spent = spentBudget(committed, run.usage.costUsd, limits);
    if (spent !== null) return { reserved: false, budget: spent, run };
    // Nothing is spent: the counters were started, or a call settled, between the write and the
    // read (calls asked for at once when a run is taken over race here). Ask again.
  }
  throw new StoreError(`no budget could be reserved in run ${runId} after ${maxAttempts} attempts`, { runId });
}

/** Reservations that find nothing spent but still miss (counters starting, calls settling) are tried again this often. */
const maxAttempts = 10;

/** Settles a reservation: the call's usage goes into the run's `usage`, what it held is released. */
export async function settleRunBudget(
  runs: Collection<RunDocument>,
  options: SettleBudgetOptions,
  call: Call,
): Promise<void> {
  const { runId, tokens, usage } = options;
  const inc: Record<string, number> = {
    'committed.calls': (usage?.calls ?? 0) - 1,
    'committed.tokens': (usage ? totalTokens(usage) : 0) - tokens,
  };
  if (usage) {
    inc['usage.calls'] = usage.calls;
    inc['usage.inputTokens'] = usage.inputTokens;
    inc['usage.outputTokens'] = usage.outputTokens;
    inc['usage.cachedTokens'] = usage.cachedTokens;
  }
  const what = `settling budget in run ${runId}`;
  if (usage && usage.costUsd === null) {
    // A call of a model without a price: the run's cost is unknown from now on.
    await call(what, () => runs.updateOne({ id: runId }, { $inc: inc, $set: { 'usage.costUsd': null } }));
    return;
  }
  if (usage?.costUsd) {
    const withCost: UpdateFilter<RunDocument> = { $inc: { ...inc, 'usage.costUsd': usage.costUsd } };
    const settled = await call(what, () => runs.updateOne({ id: runId, 'usage.costUsd': { $ne: null } }, withCost));
    if (settled.matchedCount === 1) return;
  }
  await call(what, () => runs.updateOne({ id: runId }, { $inc: inc }));
}

/** The budget the counters show spent, or null when none is. */
function spentBudget(
  committed: { calls: number; tokens: number },
  costUsd: number | null,
  limits: ReserveBudgetOptions['limits'],
): BudgetName | null {
  if (limits.maxCalls !== null && committed.calls >= limits.maxCalls) return 'maxCalls';
  if (limits.maxTokens !== null && committed.tokens >= limits.maxTokens) return 'maxTokens';
  if (limits.maxCostUsd !== null && (costUsd === null || costUsd >= limits.maxCostUsd)) return 'maxCostUsd';
  return null;
}
