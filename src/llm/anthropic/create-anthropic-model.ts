import Anthropic from '@anthropic-ai/sdk';
import type { Model, ModelRequest, ModelResponse } from '../model.js';
import type { PriceTable } from '../price-table.js';
import { mapAnthropicError } from './map-anthropic-error.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/** The Anthropic API's own base URL. */
export const anthropicBaseURL = 'https://api.anthropic.com';

/** Options of {@link createAnthropicModel}. */
export interface AnthropicModelOptions {
  model: string;
  apiKey: string;
  baseURL?: string;
  /** Per-call timeout; a call that takes longer fails with a retryable `ProviderError`. */
  timeoutMs: number;
  pricing: PriceTable;
  /** The env var the key came from, named when the key is rejected. */
  apiKeyEnv?: string;
}

/**
 * A `Model` on the Anthropic Messages API. The answer schema is the input schema of one tool the
 * model is forced to call, and the answer is that call's input. The system prompt is marked for
 * prompt caching. The SDK never retries (`maxRetries: 0`); faults surface as `ProviderError`s.
 *
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function createAnthropicModel(options: AnthropicModelOptions): Model {
  const baseURL = options.baseURL ?? anthropicBaseURL;
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL,
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  const errorContext = {
    apiKeyEnv: options.apiKeyEnv ?? 'ANTHROPIC_API_KEY',
    apiKey: options.apiKey,
    baseURL,
    timeoutMs: options.timeoutMs,
  };
  return {
    provider: 'anthropic',
    modelId: options.model,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create(toAnthropicRequest(options, request), {
          signal: request.signal,
          timeout: options.timeoutMs,
        });
      } catch (error) {
        throw mapAnthropicError(error, { ...errorContext, signal: request.signal });
      }
      const usage = mapAnthropicUsage(message.usage, options.model, options.pricing);
      const toolUse = message.content.find(
        (block): block is Anthropic.ToolUseBlock =>
          block.type === 'tool_use' && block.name === request.schema.name,
      );
      const words = message.content
        .flatMap((block) => (block.type === 'text' ? [block.text] : []))
        .join('\n')
        .trim();
      const finishReason = mapAnthropicStopReason(message.stop_reason);
      if (toolUse) {
        const refused = finishReason === 'refused';
        return {
          text: JSON.stringify(toolUse.input),
          finishReason,
          refusal: refused ? words || 'refused' : null,
          usage,
        };
      }
      // No tool call despite tool_choice: a refusal in the model's own words, unless it ran out of room.
      if (finishReason === 'truncated') return { text: words, finishReason, refusal: null, usage };
      return {
        text: words,
        finishReason: 'refused',
        refusal: words || `no ${request.schema.name} tool call`,
        usage,
      };
    },
  };
}

/** The Messages API request body for one `ModelRequest`. */
export function toAnthropicRequest(
  options: Pick<AnthropicModelOptions, 'model'>,
  request: ModelRequest,
): Anthropic.MessageCreateParamsNonStreaming {
  const { $schema: _dialect, ...inputSchema } = request.schema.jsonSchema;
  return {
    model: options.model,
    max_tokens: request.maxOutputTokens,
    system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    tools: [
      {
        name: request.schema.name,
        description: 'Give your answer: the input of this tool is the answer itself.',
        input_schema: { ...inputSchema, type: 'object' },
      },
    ],
    tool_choice: { type: 'tool', name: request.schema.name },
    ...(request.temperature === null ? {} : { temperature: request.temperature }),
  };
}
