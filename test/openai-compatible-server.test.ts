import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkerAnswerSchema, ProviderError } from '../src/domain/index.js';
import { createOpenAIModel } from '../src/llm/openai/create-openai-model.js';
import { loadPriceTable } from '../src/llm/price-table.js';
import { withRetries } from '../src/llm/with-retries.js';
import { modelRequestFor } from './support/model-request-for.js';

// A real socket on purpose: this file must not use msw, so it proves the SDK setup works against
// any server that speaks the Chat Completions endpoint (Ollama, vLLM, llama.cpp, LiteLLM, …).

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  body: { model: string; response_format: { type: string }; messages: { role: string; content: string }[] };
}

type Behaviour = (request: Received, response: ServerResponse) => void;

const received: Received[] = [];
let behaviours: Behaviour[] = [];
let server: Server;
let baseURL: string;

function answer(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const structuredAnswer: Behaviour = (request, response) =>
  answer(response, 200, {
    id: 'chatcmpl-local',
    object: 'chat.completion',
    created: 1_763_700_000,
    model: request.body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: JSON.stringify({ verdict: 'pass', feedback: 'ok' }) },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
  });

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const entry: Received = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: JSON.parse(text) as Received['body'],
      };
      received.push(entry);
      if (entry.method !== 'POST' || entry.url !== '/v1/chat/completions')
        return answer(response, 404, { error: { message: `no route ${entry.method} ${entry.url}` } });
      const behaviour = behaviours[Math.min(received.length - 1, behaviours.length - 1)] ?? structuredAnswer;
      behaviour(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterEach(() => {
  received.length = 0;
  behaviours = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function localModel(options: { structuredOutput?: 'json_schema' | 'json_object'; timeoutMs?: number } = {}) {
  return createOpenAIModel({
    model: 'llama-3.1-8b-instruct',
    apiKey: 'local-key',
    baseURL,
    timeoutMs: options.timeoutMs ?? 5_000,
    pricing: loadPriceTable(),
    structuredOutput: options.structuredOutput,
  });
}

describe('an OpenAI-compatible server over a real socket', () => {
  it('answers a structured request that validates against the role schema', async () => {
    behaviours = [structuredAnswer];
    const response = await localModel().generate(modelRequestFor('checker'));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      authorization: 'Bearer local-key',
      body: { model: 'llama-3.1-8b-instruct', response_format: { type: 'json_schema' } },
    });
    expect(checkerAnswerSchema.parse(JSON.parse(response.text))).toEqual({ verdict: 'pass', feedback: 'ok' });
    expect(response.usage).toEqual({
      calls: 1,
      inputTokens: 42,
      outputTokens: 7,
      cachedTokens: 0,
      costUsd: null,
    });
  });

  it('asks for a JSON object, with the schema in the system prompt, when json_schema is unsupported', async () => {
    behaviours = [structuredAnswer];
    await localModel({ structuredOutput: 'json_object' }).generate(modelRequestFor('checker'));
    const body = received[0]!.body;
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0]!.content).toContain('"verdict"');
  });

  it('retries a 503 through withRetries', async () => {
    behaviours = [
      (_request, response) =>
        answer(response, 503, { error: { message: 'loading model' } }, { 'retry-after': '0' }),
      structuredAnswer,
    ];
    const model = localModel();
    const response = await withRetries(() => model.generate(modelRequestFor('checker')), {
      policy: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 },
    });
    expect(response.finishReason).toBe('complete');
    expect(received).toHaveLength(2);
  });

  it('times out a server that never answers', async () => {
    behaviours = [() => undefined];
    const error = await localModel({ timeoutMs: 100 })
      .generate(modelRequestFor('checker'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      message: 'openai did not answer within 100 ms (timeout)',
      retryable: true,
    });
  });
});
