import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../domain/index.js';
import { modelRequestFor } from '../../../test/support/model-request-for.js';
import { reply, useLlmHttp } from '../../../test/support/llm-http.js';
import { loadPriceTable } from '../price-table.js';
import { withRetries, type RetryPolicy } from '../with-retries.js';
import { createAnthropicModel, type AnthropicModelOptions } from './create-anthropic-model.js';

const endpoint = 'https://api.anthropic.com/v1/messages';
const apiKey = 'sk-ant-test-0123456789abcdefghij';
const llm = useLlmHttp();
const policy: RetryPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 };

function model(options: Partial<AnthropicModelOptions> = {}) {
  return createAnthropicModel({
    model: 'claude-sonnet-4-6',
    apiKey,
    timeoutMs: 5_000,
    pricing: loadPriceTable(),
    ...options,
  });
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function message(
  content: Block[],
  {
    stopReason = 'tool_use',
    usage = {
      input_tokens: 100,
      output_tokens: 50,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 2000,
    },
  } = {},
) {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

function toolUse(input: unknown, name = 'checker_answer'): Block {
  return { type: 'tool_use', id: 'toolu_1', name, input };
}

const verdict = { verdict: 'pass', feedback: 'looks right' };

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('createAnthropicModel', () => {
  describe('forces one tool whose input schema is the role schema, with a cached system prompt', () => {
    it('for the planner', async () => {
      llm.route(endpoint, reply.json(message([toolUse({ tasks: [] }, 'planner_answer')])));
      await model().generate(modelRequestFor('planner'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_tokens": 2048,
          "messages": [
            {
              "content": "Node "Build a todo app" needs a planner answer.",
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-6",
          "system": [
            {
              "cache_control": {
                "type": "ephemeral",
              },
              "text": "You are the planner of Arbor.",
              "type": "text",
            },
          ],
          "temperature": 0.2,
          "tool_choice": {
            "name": "planner_answer",
            "type": "tool",
          },
          "tools": [
            {
              "description": "Give your answer: the input of this tool is the answer itself.",
              "input_schema": {
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
              "name": "planner_answer",
            },
          ],
        }
      `);
    });

    it('for the sequencer', async () => {
      llm.route(endpoint, reply.json(message([toolUse({}, 'sequencer_answer')])));
      await model().generate(modelRequestFor('sequencer'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_tokens": 2048,
          "messages": [
            {
              "content": "Node "Build a todo app" needs a sequencer answer.",
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-6",
          "system": [
            {
              "cache_control": {
                "type": "ephemeral",
              },
              "text": "You are the sequencer of Arbor.",
              "type": "text",
            },
          ],
          "temperature": 0.2,
          "tool_choice": {
            "name": "sequencer_answer",
            "type": "tool",
          },
          "tools": [
            {
              "description": "Give your answer: the input of this tool is the answer itself.",
              "input_schema": {
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
              "name": "sequencer_answer",
            },
          ],
        }
      `);
    });

    it('for the executor', async () => {
      llm.route(endpoint, reply.json(message([toolUse({}, 'executor_answer')])));
      await model().generate(modelRequestFor('executor'));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_tokens": 2048,
          "messages": [
            {
              "content": "Node "Build a todo app" needs a executor answer.",
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-6",
          "system": [
            {
              "cache_control": {
                "type": "ephemeral",
              },
              "text": "You are the executor of Arbor.",
              "type": "text",
            },
          ],
          "temperature": 0.2,
          "tool_choice": {
            "name": "executor_answer",
            "type": "tool",
          },
          "tools": [
            {
              "description": "Give your answer: the input of this tool is the answer itself.",
              "input_schema": {
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
              "name": "executor_answer",
            },
          ],
        }
      `);
    });

    it('for the checker', async () => {
      llm.route(endpoint, reply.json(message([toolUse(verdict)])));
      await model().generate(modelRequestFor('checker', { temperature: null }));
      expect(llm.requests[0]!.body).toMatchInlineSnapshot(`
        {
          "max_tokens": 2048,
          "messages": [
            {
              "content": "Node "Build a todo app" needs a checker answer.",
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-6",
          "system": [
            {
              "cache_control": {
                "type": "ephemeral",
              },
              "text": "You are the checker of Arbor.",
              "type": "text",
            },
          ],
          "tool_choice": {
            "name": "checker_answer",
            "type": "tool",
          },
          "tools": [
            {
              "description": "Give your answer: the input of this tool is the answer itself.",
              "input_schema": {
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
              "name": "checker_answer",
            },
          ],
        }
      `);
    });
  });

  it('keeps the key out of the request body', async () => {
    llm.route(endpoint, reply.json(message([toolUse(verdict)])));
    await model().generate(modelRequestFor('checker'));
    expect(JSON.stringify(llm.requests[0]!.body)).not.toContain(apiKey);
  });

  it('answers with the tool input as JSON text, with usage and cost', async () => {
    llm.route(endpoint, reply.json(message([toolUse(verdict)])));
    const response = await model().generate(modelRequestFor('checker'));
    // claude-sonnet-4-6: 100 × $3 + 1000 written × $3.75 + 2000 read × $0.30 + 50 out × $15 per million.
    expect(response).toEqual({
      text: JSON.stringify(verdict),
      finishReason: 'complete',
      refusal: null,
      usage: {
        calls: 1,
        inputTokens: 3100,
        outputTokens: 50,
        cachedTokens: 2000,
        costUsd: response.usage.costUsd,
      },
    });
    expect(response.usage.costUsd).toBeCloseTo(0.0054, 10);
  });

  it('reports a null cost for a model without a price', async () => {
    llm.route(endpoint, reply.json(message([toolUse(verdict)])));
    const response = await model({ model: 'claude-unknown-1' }).generate(modelRequestFor('checker'));
    expect(response.usage).toMatchObject({ inputTokens: 3100, costUsd: null });
  });

  it('marks an answer cut off at max_tokens as truncated', async () => {
    llm.route(endpoint, reply.json(message([toolUse({ verdict: 'pass' })], { stopReason: 'max_tokens' })));
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({ text: '{"verdict":"pass"}', finishReason: 'truncated', refusal: null });
  });

  it('marks a refusal stop as refused', async () => {
    llm.route(
      endpoint,
      reply.json(message([{ type: 'text', text: 'I won’t do that.' }], { stopReason: 'refusal' })),
    );
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({
      finishReason: 'refused',
      refusal: 'I won’t do that.',
      text: 'I won’t do that.',
    });
  });

  it('treats an answer without the tool call as refused, in the model’s words', async () => {
    llm.route(
      endpoint,
      reply.json(message([{ type: 'text', text: 'Here is my verdict: pass.' }], { stopReason: 'end_turn' })),
    );
    const response = await model().generate(modelRequestFor('checker'));
    expect(response).toMatchObject({
      finishReason: 'refused',
      refusal: 'Here is my verdict: pass.',
      text: 'Here is my verdict: pass.',
    });
  });

  describe('faults', () => {
    it('waits as long as a 429 asks (retry-after), then succeeds', async () => {
      llm.route(
        endpoint,
        reply.error(
          429,
          {
            type: 'error',
            error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
          },
          { 'retry-after': '0' },
        ),
        reply.json(message([toolUse(verdict)])),
      );
      const waits: number[] = [];
      const m = model();
      const response = await withRetries(() => m.generate(modelRequestFor('checker')), {
        policy,
        onRetry: ({ delayMs }) => waits.push(delayMs),
      });
      expect(response.text).toBe(JSON.stringify(verdict));
      expect(waits).toEqual([0]);
      expect(llm.requests).toHaveLength(2);
    });

    it('fails at once, naming the wait, when Retry-After is beyond the cap', async () => {
      llm.route(
        endpoint,
        reply.error(
          429,
          { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
          { 'retry-after': '90' },
        ),
      );
      const m = model();
      const error = await failureOf(withRetries(() => m.generate(modelRequestFor('checker')), { policy }));
      expect(error.message).toBe(
        'anthropic rate limit reached (429): slow down; the provider asked to wait 90 s, more than the 1000 ms cap',
      );
      expect(llm.requests).toHaveLength(1);
    });

    it('retries 529 overloaded, then gives up', async () => {
      llm.route(
        endpoint,
        reply.error(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      );
      const m = model();
      const error = await failureOf(withRetries(() => m.generate(modelRequestFor('checker')), { policy }));
      expect(error.message).toBe('anthropic server error (529): Overloaded (gave up after 3 attempts)');
      expect(llm.requests).toHaveLength(3);
    });

    it('turns a slow answer into a retryable timeout', async () => {
      llm.route(endpoint, reply.delayed(2_000, reply.json(message([toolUse(verdict)]))));
      const error = await failureOf(model({ timeoutMs: 50 }).generate(modelRequestFor('checker')));
      expect(error).toMatchObject({
        message: 'anthropic did not answer within 50 ms (timeout)',
        retryable: true,
      });
    });

    it('does not retry a cancelled call', async () => {
      const controller = new AbortController();
      llm.route(endpoint, (request) => {
        controller.abort();
        return reply.delayed(2_000, reply.json(message([toolUse(verdict)])))(request);
      });
      const m = model();
      const error = await failureOf(
        withRetries(() => m.generate(modelRequestFor('checker', { signal: controller.signal })), {
          policy,
          signal: controller.signal,
        }),
      );
      expect(error).toMatchObject({ message: 'anthropic call cancelled', retryable: false });
      expect(llm.requests).toHaveLength(1);
    });

    it('names the env var on a 401 and never shows the key', async () => {
      llm.route(
        endpoint,
        reply.error(401, {
          type: 'error',
          error: { type: 'authentication_error', message: `invalid x-api-key ${apiKey}` },
        }),
      );
      const error = await failureOf(model().generate(modelRequestFor('checker')));
      expect(error).toMatchObject({
        message: 'anthropic rejected the API key (401): check ANTHROPIC_API_KEY',
        status: 401,
        retryable: false,
      });
      expect(`${error.message} ${error.hint} ${JSON.stringify(error)} ${String(error.cause)}`).not.toContain(
        apiKey,
      );
    });

    it('does not retry a 404 and says what to check', async () => {
      llm.route(
        endpoint,
        reply.error(404, {
          type: 'error',
          error: { type: 'not_found_error', message: 'model: claude-nope' },
        }),
      );
      const error = await failureOf(model().generate(modelRequestFor('checker')));
      expect(error).toMatchObject({
        message: 'anthropic has no such model or endpoint (404): model: claude-nope',
        retryable: false,
        hint: 'check the model name and the base URL',
      });
    });
  });
});
