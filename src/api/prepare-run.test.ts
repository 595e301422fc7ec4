import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '../../test/support/cli.js';
import { prepareAgents } from './prepare-run.js';

const script = `script:${path.join(repoRoot, 'test', 'fixtures', 'plans', 'demo.script.yaml')}`;

describe('prepareAgents: what a written step names as its agent', () => {
  // Models are built up front (keys checked); no call is made.
  beforeEach(() => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-test');
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-test');
  });
  afterEach(() => vi.unstubAllEnvs());

  it("gives an agent file's role its own model, settings and template, and every other role the run's", async () => {
    const prepared = await prepareAgents({
      agentsDir: null,
      promptsDir: null,
      llm: 'anthropic:claude-haiku-4-5',
      agentFiles: {
        // Another role's template file, so that the one this role gets shows where it came from.
        'roles/reviewer.yaml': { role: 'checker', provider: 'openai', model: 'gpt-4.1', template: 'executor.hbs', reasks: 3 },
      },
    });
    const agent = prepared.stepAgent('roles/reviewer.yaml');
    expect(agent.modelFor('checker')).toMatchObject({ provider: 'openai', modelId: 'gpt-4.1' });
    expect(agent.configFor('checker').reasks).toBe(3);
    expect(agent.modelFor('executor')).toBe(prepared.modelFor('executor'));
    expect(agent.configFor('executor')).toBe(prepared.agents.roles.executor);
    expect(agent.templateFor('executor')).toBe(prepared.templates.executor);
    // Templates are compiled once per file and text (see prompt-templates.ts): the same function.
    expect(agent.templateFor('checker')).toBe(prepared.templates.executor);
    expect(agent.templateFor('checker')).not.toBe(prepared.templates.checker);
    expect(prepared.modelFor('checker')).toMatchObject({ provider: 'anthropic', modelId: 'claude-haiku-4-5' });
  });

  it('gives a model spec every role on the node, and refuses an agent file the run does not hold', async () => {
    const prepared = await prepareAgents({ agentsDir: null, promptsDir: null, llm: script });
    const agent = prepared.stepAgent('openai:gpt-4.1-nano');
    expect(agent.modelFor('planner')).toMatchObject({ provider: 'openai', modelId: 'gpt-4.1-nano' });
    expect(agent.modelFor('checker')).toMatchObject({ provider: 'openai', modelId: 'gpt-4.1-nano' });
    expect(agent.configFor('checker')).toBe(prepared.agents.roles.checker);
    expect(prepared.stepAgent('openai:gpt-4.1-nano')).toBe(agent);
    expect(() => prepared.stepAgent('roles/gone.yaml')).toThrow(/the run holds no such agent file/);
  });

  it('refuses a stored agent file that is no longer valid', async () => {
    await expect(
      prepareAgents({ agentsDir: null, promptsDir: null, llm: script, agentFiles: { 'x.yaml': { role: 'boss' } } }),
    ).rejects.toThrow(/the agent file "x\.yaml" a step names is not valid/);
  });
});
