import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentsConfig } from '../agents/index.js';
import { createModelFactory } from './model-factory.js';

const agentsDir = path.resolve(import.meta.dirname, '../../agents');

describe('createModelFactory', () => {
  it('gives every role the run’s model unless its agent file names its own', async () => {
    const agents = await loadAgentsConfig(agentsDir);
    agents.roles.planner = { ...agents.roles.planner, provider: 'anthropic', model: 'claude-haiku-4-5' };
    agents.roles.executor = {
      ...agents.roles.executor,
      structuredOutput: 'json_object',
      baseURL: 'http://127.0.0.1:9/v1',
    };
    const modelFor = createModelFactory({
      llm: 'openai:gpt-4.1-mini',
      agents,
      env: { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' },
    });
    expect([modelFor('planner').provider, modelFor('planner').modelId]).toEqual([
      'anthropic',
      'claude-haiku-4-5',
    ]);
    expect([modelFor('executor').provider, modelFor('executor').modelId]).toEqual(['openai', 'gpt-4.1-mini']);
    expect(modelFor('checker')).toBe(modelFor('sequencer'));
    expect(modelFor('executor')).not.toBe(modelFor('checker'));
  });

  it('names the missing key before any call', async () => {
    const agents = await loadAgentsConfig(agentsDir);
    expect(() => createModelFactory({ llm: 'anthropic', agents, env: {} })).toThrow(/ANTHROPIC_API_KEY/);
  });
});
