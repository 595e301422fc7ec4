import type { z } from 'zod';
import type { AgentRole, PlannedTask, TaskNode, Usage } from '../domain/index.js';

/** One turn of the conversation with a model. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The JSON schema the answer must follow, derived from the role's zod schema. */
export interface AnswerSchema {
  /** A short identifier, e.g. `planner_answer` (tool name / response-format name). */
  name: string;
  /** The zod schema itself; providers derive their wire format from it. */
  zod: z.ZodType;
  /** JSON Schema (draft 2020-12) of `zod`, valid for OpenAI strict structured outputs. */
  jsonSchema: Record<string, unknown>;
}

/**
 * What a call is about. Real providers ignore it; the scripted model matches its rules on it and
 * renders its templates with it.
 */
export interface CallSubject {
  run: { id: string; prompt: string };
  node: Pick<TaskNode, 'id' | 'title' | 'description' | 'depth' | 'key' | 'parentId'>;
  /** The role's attempt number on this node, 1-based (answered calls + 1). */
  attempt: number;
  /** The sibling tasks to sequence (sequencer calls only). */
  tasks?: readonly PlannedTask[];
}

/** A request for one structured answer. */
export interface ModelRequest {
  role: AgentRole;
  /** The stable part of the prompt (role instructions, notes): sent first so providers can cache it. */
  system: string;
  /** The node-specific part, then any re-ask turns. */
  messages: readonly ChatMessage[];
  schema: AnswerSchema;
  temperature: number | null;
  maxOutputTokens: number;
  /** Stable per run: OpenAI `prompt_cache_key`. */
  cacheKey: string;
  subject: CallSubject;
  signal?: AbortSignal;
}

/** Why the model stopped. Anything but `complete` means the text is not a usable answer. */
export type FinishReason = 'complete' | 'truncated' | 'refused';

/** A model's answer to one request, before validation. */
export interface ModelResponse {
  /** The answer text, expected to be JSON for the role's schema. */
  text: string;
  finishReason: FinishReason;
  /** The model's own words when it refused. */
  refusal: string | null;
  usage: Usage;
}

/** The providers Arbor can call: the two vendors (and OpenAI-compatible servers), and the scripted model. */
export const providerNames = ['openai', 'anthropic', 'script'] as const;

/**
 * A model: a provider's model, or the scripted one. `generate` throws a `ProviderError` for faults
 * (marked retryable when a retry may help); it does not retry by itself.
 */
export interface Model {
  readonly provider: string;
  readonly modelId: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
}
