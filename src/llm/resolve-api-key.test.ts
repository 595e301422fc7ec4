import { describe, expect, it } from 'vitest';
import { UsageError } from '../domain/index.js';
import { resolveApiKey } from './resolve-api-key.js';

describe('resolveApiKey', () => {
  it('reads the provider’s default variable', () => {
    expect(resolveApiKey({ provider: 'anthropic' }, { ANTHROPIC_API_KEY: ' sk-ant-1 ' })).toEqual({
      apiKey: 'sk-ant-1',
      apiKeyEnv: 'ANTHROPIC_API_KEY',
    });
  });

  it('reads the variable an agent file names', () => {
    expect(
      resolveApiKey({ provider: 'openai', apiKeyEnv: 'TEAM_OPENAI_KEY' }, { TEAM_OPENAI_KEY: 'sk-team' })
        .apiKey,
    ).toBe('sk-team');
  });

  it('names the variable to set when the key is missing', () => {
    expect(() => resolveApiKey({ provider: 'openai' }, {})).toThrow(UsageError);
    expect(() => resolveApiKey({ provider: 'openai' }, {})).toThrow(
      'OPENAI_API_KEY is not set: openai needs an API key',
    );
    expect(() => resolveApiKey({ provider: 'anthropic', apiKeyEnv: 'MY_KEY' }, { MY_KEY: '  ' })).toThrow(
      /MY_KEY is not set/,
    );
  });

  it('lets an OpenAI-compatible server go without a key', () => {
    expect(resolveApiKey({ provider: 'openai', baseURL: 'http://localhost:11434/v1' }, {}).apiKey).toBe(
      'not-needed',
    );
  });

  it('never echoes a key pasted where a variable name belongs', () => {
    const pasted = 'sk-proj-abcdef0123456789';
    const error = (() => {
      try {
        resolveApiKey({ provider: 'openai', apiKeyEnv: pasted }, {});
      } catch (caught) {
        return caught as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(`${error?.message} ${error?.hint}`).not.toContain(pasted);
  });
});
