import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../domain/index.js';
import { modelRequestFor } from '../../../test/support/model-request-for.js';
import { reply, useLlmHttp } from '../../../test/support/llm-http.js';
import { loadPriceTable } from '../price-table.js';
import { withRetries, type RetryPolicy } from '../with-retries.js';
import { createOpenAIModel, type OpenAIModelOptions } from './create-openai-model.js';

const endpoint = 'https://api.openai.com/v1/chat/completions';
const apiKey = 'sk-test-0123456789abcdefghijklmnop';
const llm = useLlmHttp();
const policy: RetryPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 };

function model(options: Partial<OpenAIModelOptions> = {}) {
  return createOpenAIModel({
    model: 'gpt-4.1-mini',
    apiKey,
    timeoutMs: 5_000,
    pricing: loadPriceTable(),
    ...options,
  });
}

function completion(
  message: { content?: string | null; refusal?: string | null },
  { finishReason = 'stop', usage = { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 200 } } = {},
) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_763_700_000,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: message.content ?? null, refusal: message.refusal ?? null },
        finish_reason: finishReason,
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

const checkerJson = '{"verdict":"pass","feedback":"looks right"}';

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('createOpenAIModel', () => {
  describe('sends one Chat Completions request with the role schema as strict structured output', () => {
    it('for the planner', async () => {
      llm.route(endpoint, reply.json(completion({ content: '{"tasks":[]}' })));
      await model().generate(modelRequestFor('planner'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_completion_tokens": 2048,
          "messages": [
            {
              "content": "You are the planner of Arbor.",
              "role": "system",
            },
            {
              "content": "Node "Build a todo app" needs a planner answer.",
              "role": "user",
            },
          ],
          "model": "gpt-4.1-mini",
          "prompt_cache_key": "run-1",
          "response_format": {
            "json_schema": {
              "name": "planner_answer",
              "schema": {
                "additionalProperties": false,
                "properties": {
                  "tasks": {
                    "items": {
                      "additionalProperties": false,
                      "properties": {
                        "approvalReason": {
                          "description": "Why approval is needed, or null",
                          "type": [
                            "string",
                            "null",
                          ],
                        },
                        "dependsOn": {
                          "description": "Keys of sibling tasks that must finish first",
                          "items": {
                            "type": "string",
                          },
                          "type": "array",
                        },
                        "description": {
                          "description": "What the task delivers and how to tell it is done",
                          "type": "string",
                        },
                        "key": {
                          "description": "Short unique key among the siblings, e.g. "api" or "db-schema"",
                          "type": "string",
                        },
                        "notes": {
                          "description": "Notes files this task draws on",
                          "items": {
                            "type": "string",
                          },
                          "type": "array",
                        },
                        "requiresApproval": {
                          "description": "True when a person must approve before the task runs",
                          "type": "boolean",
                        },
                        "title": {
                          "description": "Imperative title of the task",
                          "type": "string",
                        },
                      },
                      "required": [
                        "key",
                        "title",
                        "description",
                        "dependsOn",
                        "notes",
                        "requiresApproval",
                        "approvalReason",
                      ],
                      "type": "object",
                    },
                    "minItems": 1,
                    "type": "array",
                  },
                },
                "required": [
                  "tasks",
                ],
                "type": "object",
              },
              "strict": true,
            },
            "type": "json_schema",
          },
          "temperature": 0.2,
        }
      `);
    });

    it('for the sequencer', async () => {
      llm.route(endpoint, reply.json(completion({ content: '{}' })));
      await model().generate(modelRequestFor('sequencer'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_completion_tokens": 2048,
          "messages": [
            {
              "content": "You are the sequencer of Arbor.",
              "role": "system",
            },
            {
              "content": "Node "Build a todo app" needs a sequencer answer.",
              "role": "user",
            },
          ],
          "model": "gpt-4.1-mini",
          "prompt_cache_key": "run-1",
          "response_format": {
            "json_schema": {
              "name": "sequencer_answer",
              "schema": {
                "additionalProperties": false,
                "properties": {
                  "dependsOn": {
                    "description": "For each task with prerequisites, the keys it waits on",
                    "items": {
                      "additionalProperties": false,
                      "properties": {
                        "key": {
                          "type": "string",
                        },
                        "on": {
                          "items": {
                            "type": "string",
                          },
                          "type": "array",
                        },
                      },
                      "required": [
                        "key",
                        "on",
                      ],
                      "type": "object",
                    },
                    "type": "array",
                  },
                  "groups": {
                    "description": "Parallel groups in execution order; every key exactly once",
                    "items": {
                      "items": {
                        "type": "string",
                      },
                      "type": "array",
                    },
                    "type": "array",
                  },
                  "integration": {
                    "description": "Keys of tasks that join the work of others",
                    "items": {
                      "type": "string",
                    },
                    "type": "array",
                  },
                  "rationale": {
                    "description": "Why this order",
                    "type": "string",
                  },
                },
                "required": [
                  "groups",
                  "dependsOn",
                  "integration",
                  "rationale",
                ],
                "type": "object",
              },
              "strict": true,
            },
            "type": "json_schema",
          },
          "temperature": 0.2,
        }
      `);
    });

    it('for the executor', async () => {
      llm.route(endpoint, reply.json(completion({ content: '{}' })));
      await model().generate(modelRequestFor('executor'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_completion_tokens": 2048,
          "messages": [
            {
              "content": "You are the executor of Arbor.",
              "role": "system",
            },
            {
              "content": "Node "Build a todo app" needs a executor answer.",
              "role": "user",
            },
          ],
          "model": "gpt-4.1-mini",
          "prompt_cache_key": "run-1",
          "response_format": {
            "json_schema": {
              "name": "executor_answer",
              "schema": {
                "additionalProperties": false,
                "properties": {
                  "action": {
                    "enum": [
                      "complete",
                      "decompose",
                    ],
                    "type": "string",
                  },
                  "reason": {
                    "description": "Why the task must be split (decompose), else null",
                    "type": [
                      "string",
                      "null",
                    ],
                  },
                  "result": {
                    "anyOf": [
                      {
                        "additionalProperties": false,
                        "properties": {
                          "artifacts": {
                            "description": "Files to write, paths relative to the output folder",
                            "items": {
                              "additionalProperties": false,
                              "properties": {
                                "content": {
                                  "type": "string",
                                },
                                "path": {
                                  "type": "string",
                                },
                              },
                              "required": [
                                "path",
                                "content",
                              ],
                              "type": "object",
                            },
                            "type": "array",
                          },
                          "output": {
                            "description": "The work itself (text, code, a plan)",
                            "type": "string",
                          },
                          "summary": {
                            "description": "One or two sentences on what was done",
                            "type": "string",
                          },
                        },
                        "required": [
                          "summary",
                          "output",
                          "artifacts",
                        ],
                        "type": "object",
                      },
                      {
                        "type": "null",
                      },
                    ],
                    "description": "The result (complete), else null",
                  },
                },
                "required": [
                  "action",
                  "reason",
                  "result",
                ],
                "type": "object",
              },
              "strict": true,
            },
            "type": "json_schema",
          },
          "temperature": 0.2,
        }
      `);
    });

    it('for the checker', async () => {
      llm.route(endpoint, reply.json(completion({ content: checkerJson })));
      await model().generate(modelRequestFor('checker'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_completion_tokens": 2048,
          "messages": [
            {
              "content": "You are the checker of Arbor.",
              "role": "system",
            },
            {
              "content": "Node "Build a todo app" needs a checker answer.",
              "role": "user",
            },
          ],
          "model": "gpt-4.1-mini",
          "prompt_cache_key": "run-1",
          "response_format": {
            "json_schema": {
              "name": "checker_answer",
              "schema": {
                "additionalProperties": false,
                "properties": {
                  "feedback": {
                    "description": "What is wrong and how to fix it (fail), or a short note (pass)",
                    "type": "string",
                  },
                  "verdict": {
                    "enum": [
                      "pass",
                      "fail",
                    ],
                    "type": "string",
                  },
                },
                "required": [
                  "verdict",
                  "feedback",
                ],
                "type": "object",
              },
              "strict": true,
            },
            "type": "json_schema",
          },
          "temperature": 0.2,
        }
      `);
    });
  });

  it('sends the key only in the Authorization header and omits a null temperature', async () => {
    llm.route(endpoint, reply.json(completion({ content: checkerJson })));
    await model().generate(modelRequestFor('checker', { temperature: null, cacheKey: 'run-42' }));
    const request = llm.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(JSON.stringify(request.body)).not.toContain(apiKey);
    expect(request.body).not.toHaveProperty('temperature');
    expect(request.body).toMatchObject({ prompt_cache_key: 'run-42' });
  });

  it('asks for a JSON object with the schema in the system prompt when structuredOutput is json_object', async () => {
    llm.route(endpoint, reply.json(completion({ content: checkerJson })));
    await model({ structuredOutput: 'json_object' }).generate(modelRequestFor('checker'));
    const body = llm.requests[0]!.body as { response_format: unknown; messages: { content: string }[] };
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0]!.content).toMatchInlineSnapshot(`
      "You are the checker of Arbor.

      Answer with one JSON object that follows this JSON Schema:
      {"type":"object","properties":{"verdict":{"type":"string","enum":["pass","fail"]},"feedback":{"type":"string","description":"What is wrong and how to fix it (fail), or a short note (pass)"}},"required":["verdict","feedback"],"additionalProperties":false}"
    `);
  });

  it('returns the answer text with usage and cost', async () => {
    llm.route(endpoint, reply.json(completion({ content: checkerJson })));
    const response = await model().generate(modelRequestFor('checker'));
    // gpt-4.1-mini: 800 uncached × $0.40 + 200 cached × $0.10 + 100 out × $1.60 per million.
    expect(response).toEqual({
      text: checkerJson,
      finishReason: 'complete',
      refusal: null,
      usage: { calls: 1, inputTokens: 1000, outputTokens: 100, cachedTokens: 200, costUsd: 0.0005 },
    });
  });

  it('reports a null cost for a model without a price', async () => {
    llm.route(endpoint, reply.json(completion({ content: checkerJson })));
    const response = await model({ model: 'gpt-unknown-9' }).generate(modelRequestFor('checker'));
    expect(response.usage.costUsd).toBeNull();
    expect(response.usage.inputTokens).toBe(1000);
  });

  it('returns malformed JSON as is: validation is the caller’s', async () => {
    llm.route(endpoint, reply.json(completion({ content: '{"verdict": "pass", ' })));
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({ text: '{"verdict": "pass", ', finishReason: 'complete' });
  });

  it('marks an answer cut off by max_completion_tokens as truncated', async () => {
    llm.route(endpoint, reply.json(completion({ content: '{"verdict":"pa' }, { finishReason: 'length' })));
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({ text: '{"verdict":"pa', finishReason: 'truncated', refusal: null });
  });

  it('marks a refusal as refused with the model’s words', async () => {
    llm.route(endpoint, reply.json(completion({ refusal: 'I can’t help with that.' })));
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({
      text: 'I can’t help with that.',
      finishReason: 'refused',
      refusal: 'I can’t help with that.',
    });
  });

  describe('faults', () => {
    it('waits as long as a 429 asks (retry-after-ms), then succeeds', async () => {
      llm.route(
        endpoint,
        reply.error(
          429,
          { error: { message: 'Rate limit reached', type: 'requests' } },
          { 'retry-after-ms': '30' },
        ),
        reply.json(completion({ content: checkerJson })),
      );
      const waits: number[] = [];
      const m = model();
      const response = await withRetries(() => m.generate(modelRequestFor('checker')), {
        policy,
        onRetry: ({ delayMs, error }) => {
          waits.push(delayMs);
          expect(error.status).toBe(429);
        },
      });
      expect(response.text).toBe(checkerJson);
      expect(waits).toEqual([30]);
      expect(llm.requests).toHaveLength(2);
    });

    it('fails at once, naming the wait, when Retry-After is beyond the cap', async () => {
      llm.route(
        endpoint,
        reply.error(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '120' }),
      );
      const m = model();
      const error = await failureOf(withRetries(() => m.generate(modelRequestFor('checker')), { policy }));
      expect(error.message).toMatch(/asked to wait 120 s, more than the 1000 ms cap/);
      expect(error.retryable).toBe(false);
      expect(llm.requests).toHaveLength(1);
    });

    it('gives up after the retries on repeated 500s', async () => {
      llm.route(endpoint, reply.error(500, { error: { message: 'The server had an error' } }));
      const m = model();
      const error = await failureOf(withRetries(() => m.generate(modelRequestFor('checker')), { policy }));
      expect(error.message).toBe(
        'openai server error (500): The server had an error (gave up after 3 attempts)',
      );
      expect(error.status).toBe(500);
      expect(llm.requests).toHaveLength(3);
    });

    it('turns a slow answer into a retryable timeout', async () => {
      llm.route(endpoint, reply.delayed(2_000, reply.json(completion({ content: checkerJson }))));
      const error = await failureOf(model({ timeoutMs: 50 }).generate(modelRequestFor('checker')));
      expect(error.message).toBe('openai did not answer within 50 ms (timeout)');
      expect(error.retryable).toBe(true);
    });

    it('does not retry a cancelled call', async () => {
      const controller = new AbortController();
      llm.route(endpoint, (request) => {
        controller.abort();
        return reply.delayed(2_000, reply.json(completion({ content: checkerJson })))(request);
      });
      const m = model();
      const error = await failureOf(
        withRetries(() => m.generate(modelRequestFor('checker', { signal: controller.signal })), {
          policy,
          signal: controller.signal,
        }),
      );
      expect(error.message).toBe('openai call cancelled');
      expect(error.retryable).toBe(false);
      expect(llm.requests).toHaveLength(1);
    });

    it('retries a connection failure', async () => {
      llm.route(endpoint, reply.networkError(), reply.json(completion({ content: checkerJson })));
      const m = model();
      const response = await withRetries(() => m.generate(modelRequestFor('checker')), { policy });
      expect(response.text).toBe(checkerJson);
      expect(llm.requests).toHaveLength(2);
    });

    it('names the env var on a 401 and never shows the key', async () => {
      llm.route(
        endpoint,
        reply.error(401, {
          error: {
            message: `Incorrect API key provided: ${apiKey.slice(0, 8)}****************${apiKey.slice(-4)}.`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        }),
      );
      const m = model({ apiKeyEnv: 'ARBOR_OPENAI_KEY' });
      const error = await failureOf(withRetries(() => m.generate(modelRequestFor('checker')), { policy }));
      expect(error.message).toBe('openai rejected the API key (401): check ARBOR_OPENAI_KEY');
      expect(error.retryable).toBe(false);
      expect(llm.requests).toHaveLength(1);
      const shown = `${error.message} ${error.hint} ${JSON.stringify(error)} ${String(error.cause)}`;
      expect(shown).not.toContain(apiKey);
      expect(shown).not.toContain(apiKey.slice(-4));
    });

    it('does not retry a 400 and passes on the provider’s explanation', async () => {
      llm.route(
        endpoint,
        reply.error(400, { error: { message: "Invalid schema for response_format 'checker_answer'" } }),
      );
      const error = await failureOf(model().generate(modelRequestFor('checker')));
      expect(error).toMatchObject({
        message: "openai rejected the request (400): Invalid schema for response_format 'checker_answer'",
        status: 400,
        retryable: false,
      });
    });

    it('does not retry a 429 for an exhausted quota', async () => {
      llm.route(
        endpoint,
        reply.error(429, {
          error: { message: 'You exceeded your current quota', code: 'insufficient_quota' },
        }),
      );
      const error = await failureOf(model().generate(modelRequestFor('checker')));
      expect(error).toMatchObject({ status: 429, retryable: false });
      expect(error.message).toContain('quota');
    });
  });
});
