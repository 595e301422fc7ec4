import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../domain/index.js';
import bundledPrices from './prices.json' with { type: 'json' };

/** What one model costs, in USD per million tokens. */
export const modelPriceSchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  /** Input read from the provider's prompt cache. */
  cachedInputPerMTok: z.number().nonnegative(),
  /** Input written to the prompt cache (Anthropic); the plain input price when absent. */
  cacheWriteInputPerMTok: z.number().nonnegative().optional(),
});

/** What one model costs. */
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** Prices by provider, then model id. Keys starting with `_` are comments. */
export const priceTableSchema = z
  .object({ updated: z.string().optional() })
  .catchall(z.union([z.string(), z.record(z.string(), modelPriceSchema)]));

/** Prices by provider, then model id. */
export type PriceTable = z.infer<typeof priceTableSchema>;

/** Token counts a cost is computed from; `inputTokens` includes cached and cache-write tokens. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  /** Input tokens written to the prompt cache (Anthropic), billed at a premium. */
  cacheWriteTokens?: number;
}

/**
 * Reads a price table: the bundled `prices.json` without a path, else the JSON file at `path`
 * (a bad file is a `UsageError`, so the CLI exits 2 naming it).
 */
export function loadPriceTable(path?: string): PriceTable {
  if (path === undefined) return priceTableSchema.parse(bundledPrices);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the price table ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = priceTableSchema.safeParse(data);
  if (!parsed.success)
    throw new UsageError(`the price table ${path} is invalid: ${z.prettifyError(parsed.error)}`, {
      hint: 'each entry is { "inputPerMTok": n, "outputPerMTok": n, "cachedInputPerMTok": n } under a provider',
    });
  return parsed.data;
}

/** The price of `modelId`, trying it as given and then without a dated snapshot suffix. */
export function priceOf(table: PriceTable, provider: string, modelId: string): ModelPrice | undefined {
  const prices = table[provider];
  if (typeof prices !== 'object') return undefined;
  const undated = modelId.replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, '');
  return Object.hasOwn(prices, modelId)
    ? prices[modelId]
    : Object.hasOwn(prices, undated)
      ? prices[undated]
      : undefined;
}

let bundledTable: PriceTable | undefined;

/**
 * The cost in USD of `usage` on `provider`'s `modelId`, or null when the model's price is unknown —
 * never 0, so an unpriced model cannot slip under a cost budget unnoticed.
 */
export function costOf(
  usage: TokenCounts,
  provider: string,
  modelId: string,
  table: PriceTable = (bundledTable ??= loadPriceTable()),
): number | null {
  const price = priceOf(table, provider, modelId);
  if (!price) return null;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - usage.cachedTokens - cacheWrite);
  const microDollars =
    uncached * price.inputPerMTok +
    usage.cachedTokens * price.cachedInputPerMTok +
    cacheWrite * (price.cacheWriteInputPerMTok ?? price.inputPerMTok) +
    usage.outputTokens * price.outputPerMTok;
  return microDollars / 1_000_000;
}
