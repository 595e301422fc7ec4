import type OpenAI from 'openai';
import type { Usage } from '../../domain/index.js';
import { costOf, type PriceTable } from '../price-table.js';

/**
 * Arbor's usage of one Chat Completions call. `prompt_tokens` already includes the cached ones,
 * which `prompt_tokens_details.cached_tokens` counts; a server that reports no usage counts zero.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 * @see https://platform.openai.com/docs/guides/prompt-caching
 */
export function mapOpenAIUsage(
  usage: OpenAI.CompletionUsage | undefined,
  modelId: string,
  pricing: PriceTable,
): Usage {
  const counts = {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
  return { calls: 1, ...counts, costUsd: costOf(counts, 'openai', modelId, pricing) };
}
