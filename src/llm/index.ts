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
export {
  createOpenAIModel,
  openAIBaseURL,
  toOpenAIRequest,
  type OpenAIModelOptions,
  type StructuredOutput,
} from './openai/create-openai-model.js';
export { isStrictCompatible, strictSchemaKeywords } from './openai/is-strict-compatible.js';
export { toOpenAIJsonSchema } from './openai/to-openai-json-schema.js';
export { type JsonSchema } from './openai/json-schema.js';
export { mapOpenAIError, type OpenAIErrorContext } from './openai/map-openai-error.js';
export { mapOpenAIFinishReason } from './openai/map-openai-finish-reason.js';
export { mapOpenAIUsage } from './openai/map-openai-usage.js';
export {
  anthropicBaseURL,
  createAnthropicModel,
  toAnthropicRequest,
  type AnthropicModelOptions,
} from './anthropic/create-anthropic-model.js';
export { mapAnthropicError, type AnthropicErrorContext } from './anthropic/map-anthropic-error.js';
export { mapAnthropicStopReason } from './anthropic/map-anthropic-stop-reason.js';
export { mapAnthropicUsage } from './anthropic/map-anthropic-usage.js';
