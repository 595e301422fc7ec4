import { UsageError } from '../domain/index.js';
import { lazyModel } from './lazy-model.js';
import type { Model } from './model.js';
import type { StructuredOutput } from './openai/create-openai-model.js';
import { loadPriceTable, type PriceTable } from './price-table.js';
import { resolveApiKey, type ProviderName } from './resolve-api-key.js';

/** Per-call timeout when an agent file sets none. */
export const defaultTimeoutMs = 120_000;

/** Which provider model to build; what `--llm openai:MODEL` and agent files describe. */
export interface ProviderModelOptions {
  provider: ProviderName;
  model: string;
  /**
   * Another server (a gateway, a proxy, an OpenAI-compatible server); the default is the provider's
   * env var (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`), then the vendor's own API.
   */
  baseURL?: string | null;
  /** The env var that holds the key; `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` by default. */
  apiKeyEnv?: string | null;
  timeoutMs?: number;
  /** OpenAI only: `json_object` for compatible servers without json_schema support. */
  structuredOutput?: StructuredOutput;
  /** Prices for `usage.costUsd`; the bundled `prices.json` by default. */
  pricing?: PriceTable;
}

/**
 * Builds a provider's `Model`, reading its key and base URL (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`,
 * as the vendors' SDKs do) from `env`. A missing key or a bad setting is a `UsageError` that names
 * what to set, before any call is made; the vendor SDK itself is loaded at the first call.
 */
export function createProviderModel(
  options: ProviderModelOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Model {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`, {
      hint: 'set timeoutMs in the agent file to a whole number of milliseconds, e.g. timeoutMs: 120000',
    });
  if (!options.model.trim())
    throw new UsageError(`no ${options.provider} model given`, {
      hint: `use --llm ${options.provider}:MODEL`,
    });
  const pricing = options.pricing ?? loadPriceTable();
  switch (options.provider) {
    case 'openai': {
      const baseURL = options.baseURL ?? (env.OPENAI_BASE_URL?.trim() || undefined);
      const apiKeyEnv = options.apiKeyEnv ?? undefined;
      const key = resolveApiKey({ provider: 'openai', apiKeyEnv, baseURL }, env);
      const organization = env.OPENAI_ORG_ID?.trim() || undefined;
      return lazyModel('openai', options.model, async () =>
        (await import('./openai/create-openai-model.js')).createOpenAIModel({
          model: options.model,
          ...key,
          baseURL,
          organization,
          timeoutMs,
          pricing,
          structuredOutput: options.structuredOutput,
        }),
      );
    }
    case 'anthropic': {
      if (options.structuredOutput !== undefined)
        throw new UsageError(
          'structuredOutput is an OpenAI setting; anthropic always answers through a tool',
        );
      const key = resolveApiKey({ provider: 'anthropic', apiKeyEnv: options.apiKeyEnv ?? undefined }, env);
      const baseURL = options.baseURL ?? (env.ANTHROPIC_BASE_URL?.trim() || undefined);
      return lazyModel('anthropic', options.model, async () =>
        (await import('./anthropic/create-anthropic-model.js')).createAnthropicModel({
          model: options.model,
          ...key,
          baseURL,
          timeoutMs,
          pricing,
        }),
      );
    }
    default: {
      const provider: never = options.provider;
      throw new UsageError(`unknown provider "${String(provider)}"`, { hint: 'use openai or anthropic' });
    }
  }
}
