import OpenAI from 'openai';
import type { Model, ModelRequest, ModelResponse } from '../model.js';
import type { PriceTable } from '../price-table.js';
import { withCallSignal } from '../with-call-signal.js';
import { isStrictCompatible } from './is-strict-compatible.js';
import { mapOpenAIError } from './map-openai-error.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { mapOpenAIUsage } from './map-openai-usage.js';
import { toOpenAIJsonSchema } from './to-openai-json-schema.js';

/** The OpenAI API's own base URL. */
export const openAIBaseURL = 'https://api.openai.com/v1';

/** How the answer's shape is requested. */
export type StructuredOutput = 'json_schema' | 'json_object';

/** Options of {@link createOpenAIModel}. */
export interface OpenAIModelOptions {
  model: string;
  apiKey: string;
  /** Any OpenAI-compatible server, e.g. `http://localhost:11434/v1`; OpenAI's own when absent. */
  baseURL?: string;
  organization?: string;
  /** Per-call timeout; a call that takes longer fails with a retryable `ProviderError`. */
  timeoutMs: number;
  pricing: PriceTable;
  /**
   * `json_schema` (default): structured outputs, strict when the schema allows. `json_object`: for
   * compatible servers without json_schema support; the schema is then appended to the system prompt.
   */
  structuredOutput?: StructuredOutput;
  /** The env var the key came from, named when the key is rejected. */
  apiKeyEnv?: string;
}

/**
 * A `Model` on OpenAI Chat Completions (or a compatible server) that asks for the role's answer as
 * structured output. The SDK never retries (`maxRetries: 0`): faults surface as `ProviderError`s for
 * `withRetries` to handle, and `request.signal` cancels the call.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/guides/structured-outputs
 * @see https://platform.openai.com/docs/guides/prompt-caching
 */
export function createOpenAIModel(options: OpenAIModelOptions): Model {
  const baseURL = options.baseURL ?? openAIBaseURL;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL,
    organization: options.organization ?? null,
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  const errorContext = {
    apiKeyEnv: options.apiKeyEnv ?? 'OPENAI_API_KEY',
    apiKey: options.apiKey,
    baseURL,
    timeoutMs: options.timeoutMs,
  };
  return {
    provider: 'openai',
    modelId: options.model,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      let completion: OpenAI.ChatCompletion;
      try {
        completion = await withCallSignal(request.signal, (signal) =>
          client.chat.completions.create(toOpenAIRequest(options, request), { signal, timeout: options.timeoutMs }),
        );
      } catch (error) {
        throw mapOpenAIError(error, { ...errorContext, signal: request.signal });
      }
      const choice = completion.choices[0];
      const refusal = choice?.message.refusal ?? null;
      const finishReason = mapOpenAIFinishReason(choice?.finish_reason, refusal);
      return {
        text: choice?.message.content ?? refusal ?? '',
        finishReason,
        refusal:
          refusal ?? (finishReason === 'refused' ? 'the answer was withheld by a content filter' : null),
        usage: mapOpenAIUsage(completion.usage, options.model, options.pricing),
      };
    },
  };
}

/** The Chat Completions request body for one `ModelRequest`. */
export function toOpenAIRequest(
  options: Pick<OpenAIModelOptions, 'model' | 'structuredOutput'>,
  request: ModelRequest,
): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const jsonSchema = toOpenAIJsonSchema(request.schema.zod);
  const jsonObject = options.structuredOutput === 'json_object';
  const system = jsonObject
    ? `${request.system}\n\nAnswer with one JSON object that follows this JSON Schema:\n${JSON.stringify(jsonSchema)}`
    : request.system;
  return {
    model: options.model,
    messages: [
      { role: 'system', content: system },
      ...request.messages.map((message) => ({ role: message.role, content: message.content })),
    ],
    response_format: jsonObject
      ? { type: 'json_object' }
      : {
          type: 'json_schema',
          json_schema: {
            name: request.schema.name,
            schema: jsonSchema,
            strict: isStrictCompatible(jsonSchema).compatible,
          },
        },
    max_completion_tokens: request.maxOutputTokens,
    prompt_cache_key: request.cacheKey,
    ...(request.temperature === null ? {} : { temperature: request.temperature }),
  };
}
