import { delay, HttpResponse } from 'msw';
import { agentRoles, type AgentRole } from '../../src/domain/index.js';
import type { LlmHttp } from './llm-http.js';

/** The vendors Arbor calls over HTTP. */
export type Vendor = 'openai' | 'anthropic';

/** Each vendor's own endpoint, where `createProviderModel` sends requests by default. */
export const vendorEndpoints: Readonly<Record<Vendor, string>> = Object.freeze({
  openai: 'https://api.openai.com/v1/chat/completions',
  anthropic: 'https://api.anthropic.com/v1/messages',
});

/**
 * Token counts of one answer, in each vendor's own terms. OpenAI: `prompt_tokens` includes the
 * cached ones. Anthropic: `input_tokens` excludes cache reads and cache writes.
 */
export type WireUsage =
  | { prompt_tokens: number; completion_tokens: number; cached_tokens: number }
  | {
      input_tokens: number;
      output_tokens: number;
      cache_read_input_tokens: number;
      cache_creation_input_tokens: number;
    };

/** One request the fake vendor received, with what Arbor's prompt says it is about. */
export interface VendorCall {
  vendor: Vendor;
  host: string;
  role: AgentRole;
  /** The node title, read from the node-specific (user) message. */
  title: string;
  /** 1-based: how many requests for this role and title the fake has received, this one included. */
  nth: number;
  /** The model named in the request. */
  model: string;
  /** The stable system text as sent. */
  system: string;
  /** The user/assistant turns as sent, without the system prompt. */
  messages: Array<{ role: string; content: string }>;
  body: Record<string, unknown>;
  /** The usage the fake reported for this request; null for error answers. */
  usage: WireUsage | null;
}

/** How the fake answers one request. */
export type VendorAnswer = (
  | { answer: unknown }
  | { truncated: unknown }
  | { refusal: string }
  | { status: number; headers?: Record<string, string>; message?: string }
) & {
  /** Reported token counts; the fake's `defaultUsage` when absent. */
  usage?: WireUsage;
  delayMs?: number;
};

/** Options of {@link fakeVendor}. */
export interface FakeVendorOptions {
  vendor: Vendor;
  respond: (call: VendorCall) => VendorAnswer;
  /** Where to answer; the vendor's own endpoint by default. */
  url?: string;
  /** Usage reported for the n-th request (0-based) when an answer names none. */
  defaultUsage?: (index: number) => WireUsage;
  /** Shared with other fakes, so `nth` counts across vendors (per-role routing). */
  calls?: VendorCall[];
}

const titlePatterns: Record<AgentRole, RegExp[]> = {
  planner: [/^The request:\n(.+)$/m, /^The task to break down: (.+)$/m],
  sequencer: [/^Parent task: (.+)$/m],
  executor: [/^Your task: (.+)$/m],
  checker: [/^Task: (.+)$/m],
};

/**
 * A vendor's chat endpoint on msw that answers by role, the way a real model would see the
 * request: OpenAI's `response_format.json_schema.name`, Anthropic's forced tool name. Answers are
 * wrapped in the vendor's wire format (a completion or a message) with usage; every call is kept.
 */
export function fakeVendor(llm: LlmHttp, options: FakeVendorOptions): { calls: VendorCall[] } {
  const { vendor } = options;
  const calls = options.calls ?? [];
  const defaultUsage = options.defaultUsage ?? ((index: number) => defaultUsageOf(vendor, index));
  llm.route(options.url ?? vendorEndpoints[vendor], async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    const call = describeCall(vendor, new URL(request.url).host, body);
    call.nth =
      calls.filter((earlier) => earlier.role === call.role && earlier.title === call.title).length + 1;
    const index = calls.length;
    calls.push(call);
    const answer = options.respond(call);
    if (answer.delayMs !== undefined) await delay(answer.delayMs);
    if ('status' in answer)
      return HttpResponse.json(
        vendor === 'openai'
          ? { error: { message: answer.message ?? `status ${answer.status}`, type: 'server_error' } }
          : {
              type: 'error',
              error: { type: 'api_error', message: answer.message ?? `status ${answer.status}` },
            },
        { status: answer.status, headers: answer.headers },
      );
    call.usage = answer.usage ?? defaultUsage(index);
    return HttpResponse.json(vendor === 'openai' ? openAIBody(call, answer) : anthropicBody(call, answer));
  });
  return { calls };
}

function describeCall(vendor: Vendor, host: string, body: Record<string, unknown>): VendorCall {
  const schemaName =
    vendor === 'openai'
      ? (body.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name
      : (body.tool_choice as { name?: string } | undefined)?.name;
  const role = agentRoles.find((candidate) => `${candidate}_answer` === schemaName);
  if (!role) throw new Error(`fake ${vendor}: no role in the request (schema name ${String(schemaName)})`);
  const all = body.messages as Array<{ role: string; content: string }>;
  const system =
    vendor === 'openai'
      ? (all.find((message) => message.role === 'system')?.content ?? '')
      : ((body.system as Array<{ text: string }> | undefined) ?? []).map((block) => block.text).join('\n');
  const messages = all.filter((message) => message.role !== 'system');
  const user = messages.find((message) => message.role === 'user')?.content ?? '';
  const title = titlePatterns[role]
    .map((pattern) => pattern.exec(user)?.[1])
    .find((found) => found !== undefined);
  if (title === undefined) throw new Error(`fake ${vendor}: no ${role} title in the user message:\n${user}`);
  return {
    vendor,
    host,
    role,
    title,
    nth: 0,
    model: String(body.model),
    system,
    messages,
    body,
    usage: null,
  };
}

function defaultUsageOf(vendor: Vendor, index: number): WireUsage {
  // Different on every call, with cache hits on some, so sums and prices are not trivially right.
  return vendor === 'openai'
    ? {
        prompt_tokens: 1000 + 17 * index,
        completion_tokens: 100 + 3 * index,
        cached_tokens: index % 2 === 0 ? 0 : 512,
      }
    : {
        input_tokens: 200 + 11 * index,
        output_tokens: 80 + 5 * index,
        cache_read_input_tokens: index === 0 ? 0 : 1024,
        cache_creation_input_tokens: index === 0 ? 1024 : 0,
      };
}

type Answered = Exclude<VendorAnswer, { status: number }>;

function openAIBody(call: VendorCall, answer: Answered) {
  const usage = call.usage as Extract<WireUsage, { prompt_tokens: number }>;
  const content =
    'answer' in answer
      ? JSON.stringify(answer.answer)
      : 'truncated' in answer
        ? JSON.stringify(answer.truncated).slice(0, 12)
        : null;
  return {
    id: `chatcmpl-${call.role}-${call.nth}`,
    object: 'chat.completion',
    created: 1_763_700_000,
    model: call.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: 'refusal' in answer ? answer.refusal : null },
        finish_reason: 'truncated' in answer ? 'length' : 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens },
    },
  };
}

function anthropicBody(call: VendorCall, answer: Answered) {
  const name = `${call.role}_answer`;
  const content =
    'answer' in answer
      ? [{ type: 'tool_use', id: `toolu_${call.nth}`, name, input: answer.answer }]
      : 'truncated' in answer
        ? [{ type: 'tool_use', id: `toolu_${call.nth}`, name, input: answer.truncated }]
        : [{ type: 'text', text: answer.refusal }];
  return {
    id: `msg_${call.role}_${call.nth}`,
    type: 'message',
    role: 'assistant',
    model: call.model,
    content,
    stop_reason: 'answer' in answer ? 'tool_use' : 'truncated' in answer ? 'max_tokens' : 'refusal',
    stop_sequence: null,
    usage: call.usage,
  };
}
