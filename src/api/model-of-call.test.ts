import { describe, expect, it } from 'vitest';
import { modelOfCall, modelOfLlm } from './model-of-call.js';

describe('modelOfCall', () => {
  it('uses the provider and model stored on the call', () => {
    expect(modelOfCall({ provider: 'anthropic', model: 'claude-haiku-4-5' }, 'openai')).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
  });

  it("falls back to the run's --llm for calls stored before they named their model", () => {
    expect(modelOfCall({}, 'openai:gpt-4.1')).toEqual({ provider: 'openai', model: 'gpt-4.1' });
    expect(modelOfLlm('openai')).toEqual({ provider: 'openai', model: 'gpt-4.1-mini' });
    expect(modelOfLlm('script:examples/demo.script.yaml')).toEqual({
      provider: 'script',
      model: 'demo.script.yaml',
    });
    expect(modelOfLlm('custom:acme:big-1')).toEqual({ provider: 'acme', model: 'big-1' });
    expect(modelOfLlm('custom')).toEqual({ provider: 'custom', model: 'unknown' });
  });
});
