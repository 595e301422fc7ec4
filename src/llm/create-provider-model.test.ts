import { describe, expect, it } from 'vitest';
import { UsageError } from '../domain/index.js';
import { modelRequestFor } from '../../test/support/model-request-for.js';
import { reply, useLlmHttp } from '../../test/support/llm-http.js';
import { createProviderModel } from './create-provider-model.js';

const llm = useLlmHttp();

const checkerCompletion = {
  id: 'c1',
  object: 'chat.completion',
  created: 0,
  model: 'local-model',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: '{}', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
};

/** An Anthropic Messages API answer: the checker's verdict as the input of its tool. */
const checkerMessage = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-haiku-4-5',
  content: [{ type: 'tool_use', id: 'toolu_1', name: 'checker_answer', input: { verdict: 'pass', feedback: '' } }],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
};

describe('createProviderModel', () => {
  it('builds each provider’s model with its key from the environment', () => {
    const env = { OPENAI_API_KEY: 'sk-1', ANTHROPIC_API_KEY: 'sk-ant-1' };
    expect(createProviderModel({ provider: 'openai', model: 'gpt-5-mini' }, env)).toMatchObject({
      provider: 'openai',
      modelId: 'gpt-5-mini',
    });
    expect(createProviderModel({ provider: 'anthropic', model: 'claude-haiku-4-5' }, env)).toMatchObject({
      provider: 'anthropic',
      modelId: 'claude-haiku-4-5',
    });
  });

  it('fails before any call, naming the variable, when the key is missing', () => {
    expect(() => createProviderModel({ provider: 'anthropic', model: 'claude-haiku-4-5' }, {})).toThrow(
      UsageError,
    );
    expect(() =>
      createProviderModel({ provider: 'openai', model: 'gpt-5', apiKeyEnv: 'TEAM_KEY' }, {}),
    ).toThrow('TEAM_KEY is not set');
  });

  it('rejects settings that cannot work', () => {
    const env = { OPENAI_API_KEY: 'sk-1', ANTHROPIC_API_KEY: 'sk-ant-1' };
    expect(() => createProviderModel({ provider: 'openai', model: ' ' }, env)).toThrow(
      'no openai model given',
    );
    expect(() => createProviderModel({ provider: 'openai', model: 'gpt-5', timeoutMs: 0 }, env)).toThrow(
      UsageError,
    );
    expect(() =>
      createProviderModel(
        { provider: 'anthropic', model: 'claude-haiku-4-5', structuredOutput: 'json_object' },
        env,
      ),
    ).toThrow(UsageError);
  });

  it('sends OpenAI calls to OPENAI_BASE_URL, with the chosen structured output', async () => {
    llm.route('http://llm.internal:8000/v1/chat/completions', reply.json(checkerCompletion));
    const model = createProviderModel(
      { provider: 'openai', model: 'local-model', structuredOutput: 'json_object' },
      { OPENAI_BASE_URL: 'http://llm.internal:8000/v1' },
    );
    const response = await model.generate(modelRequestFor('checker'));
    expect(response).toMatchObject({ text: '{}', usage: { inputTokens: 0, costUsd: null } });
    expect(llm.requests[0]!.body).toMatchObject({
      model: 'local-model',
      response_format: { type: 'json_object' },
    });
  });

  it('sends Anthropic calls to ANTHROPIC_BASE_URL, with the key from ANTHROPIC_API_KEY', async () => {
    llm.route('http://gateway.internal:4000/v1/messages', reply.json(checkerMessage));
    const model = createProviderModel(
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
      { ANTHROPIC_BASE_URL: ' http://gateway.internal:4000 ', ANTHROPIC_API_KEY: 'sk-ant-gateway' },
    );
    const response = await model.generate(modelRequestFor('checker'));
    expect(response.text).toBe('{"verdict":"pass","feedback":""}');
    expect(llm.requests).toHaveLength(1);
    // The SDK sends the key as `x-api-key` or, in newer versions, as a bearer token.
    const { headers } = llm.requests[0]!;
    expect(headers['x-api-key'] ?? headers.authorization).toMatch(/^(Bearer )?sk-ant-gateway$/);
    expect(llm.requests[0]!.body).toMatchObject({ model: 'claude-haiku-4-5' });
  });

  it('prefers an agent file’s baseURL to ANTHROPIC_BASE_URL', async () => {
    llm.route('http://role-proxy.internal/v1/messages', reply.json(checkerMessage));
    const model = createProviderModel(
      { provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: 'http://role-proxy.internal' },
      { ANTHROPIC_BASE_URL: 'http://gateway.internal:4000', ANTHROPIC_API_KEY: 'sk-ant-gateway' },
    );
    await model.generate(modelRequestFor('checker'));
    expect(llm.requests.map((request) => request.url)).toEqual(['http://role-proxy.internal/v1/messages']);
  });
});
