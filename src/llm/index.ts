export type {
  AnswerSchema,
  CallSubject,
  ChatMessage,
  FinishReason,
  Model,
  ModelRequest,
  ModelResponse,
} from './model.js';
export {
  defaultRetryPolicy,
  sleep,
  withRetries,
  type RetryPolicy,
  type WithRetriesOptions,
} from './with-retries.js';
export { parseRetryAfter, type HeaderSource } from './parse-retry-after.js';
export {
  isRetryableStatus,
  providerErrorFromStatus,
  type HttpFailure,
} from './provider-error-from-status.js';
export { redactSecret } from './redact-secret.js';
export {
  costOf,
  loadPriceTable,
  modelPriceSchema,
  priceOf,
  priceTableSchema,
  type ModelPrice,
  type PriceTable,
  type TokenCounts,
} from './price-table.js';
export {
  defaultApiKeyEnv,
  resolveApiKey,
  type ProviderName,
  type ResolveApiKeyOptions,
} from './resolve-api-key.js';
export { createProviderModel, defaultTimeoutMs, type ProviderModelOptions } from './create-provider-model.js';
// The vendor adapters (`./openai/…`, `./anthropic/…`) are not re-exported: importing this index must
// not load the vendor SDKs (createProviderModel loads them at a model's first call).
