import { agentRoles, UsageError, type AgentRole } from '../domain/index.js';
import { loadPriceTable, priceOf } from '../llm/index.js';
import { providerNames, type Model } from '../llm/model.js';

/** The providers whose prices Arbor knows (the scripted model costs nothing). */
const vendors = new Set<string>(providerNames.filter((name) => name !== 'script'));

/**
 * A cost limit needs a price for every model that may be called: refuse to start (exit 2) when a
 * role's model of a vendor is missing from the price table, instead of stopping mid-run on an
 * unknown cost. A model of the caller's own (another provider) may report its cost itself
 * (`usage.costUsd`), so it passes; one that reports none stops the run at its first answer.
 */
export function checkCostLimit(maxCostUsd: number | null, modelFor: (role: AgentRole) => Model): void {
  if (maxCostUsd === null) return;
  const table = loadPriceTable();
  for (const role of agentRoles) {
    const model = modelFor(role);
    if (!vendors.has(model.provider)) continue;
    if (!priceOf(table, model.provider, model.modelId))
      throw new UsageError(
        `--max-cost needs prices, but ${model.provider} model "${model.modelId}" (${role}) has none`,
        {
          hint: 'add the model to src/llm/prices.json, choose a priced model, or drop --max-cost and use --max-tokens',
        },
      );
  }
}
