import type Anthropic from '@anthropic-ai/sdk';
import type { Usage } from '../../domain/index.js';
import { costOf, type PriceTable } from '../price-table.js';

/**
 * Arbor's usage of one Messages call. Anthropic counts cache reads and cache writes apart from
 * `input_tokens`; Arbor's `inputTokens` is every prompt token (as OpenAI counts them) and
 * `cachedTokens` the part read from the cache, while cost bills each part at its own price.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 * @see https://docs.anthropic.com/en/docs/about-claude/pricing
 */
export function mapAnthropicUsage(
  usage: Anthropic.Usage | undefined,
  modelId: string,
  pricing: PriceTable,
): Usage {
  const cacheWriteTokens = usage?.cache_creation_input_tokens ?? 0;
  const cachedTokens = usage?.cache_read_input_tokens ?? 0;
  const counts = {
    inputTokens: (usage?.input_tokens ?? 0) + cacheWriteTokens + cachedTokens,
    outputTokens: usage?.output_tokens ?? 0,
    cachedTokens,
  };
  return {
    calls: 1,
    ...counts,
    costUsd: costOf({ ...counts, cacheWriteTokens }, 'anthropic', modelId, pricing),
  };
}
