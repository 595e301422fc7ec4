import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../domain/index.js';
import { loadAgentsConfig } from './load-agents-config.js';
import { loadPromptTemplates } from './prompt-templates.js';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arbor-agents-'));
  await cp(path.join(repo, 'agents'), path.join(dir, 'agents'), { recursive: true });
  await cp(path.join(repo, 'prompts'), path.join(dir, 'prompts'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('agent files', () => {
  it('loads the shipped agent files with their defaults and policies', async () => {
    const agents = await loadAgentsConfig(path.join(dir, 'agents'));
    expect(agents.roles.executor).toMatchObject({ role: 'executor', provider: 'default', template: 'executor.hbs', reasks: 1 });
    expect(agents.approvalPolicies[0]?.reason).toContain('production');
  });

  it('names the file and line of a YAML syntax error', async () => {
    await writeFile(path.join(dir, 'agents', 'checker.yaml'), 'role: checker\ntemplate: [oops\n');
    await expect(loadAgentsConfig(path.join(dir, 'agents'))).rejects.toThrow(/checker\.yaml is not valid YAML at line \d/);
  });

  it('names the field that has the wrong type', async () => {
    await writeFile(path.join(dir, 'agents', 'planner.yaml'), 'role: planner\ntemplate: planner.hbs\ntemperature: hot\n');
    await expect(loadAgentsConfig(path.join(dir, 'agents'))).rejects.toThrow(/planner\.yaml: field "temperature"/);
  });

  it('refuses an unknown field rather than ignoring a typo', async () => {
    await writeFile(path.join(dir, 'agents', 'planner.yaml'), 'role: planner\ntemplate: planner.hbs\ntemprature: 0.1\n');
    await expect(loadAgentsConfig(path.join(dir, 'agents'))).rejects.toThrow(UsageError);
  });

  it("matches an unknown nested key against its own object's keys", async () => {
    await writeFile(
      path.join(dir, 'agents', 'executor.yaml'),
      'role: executor\ntemplate: executor.hbs\nretry:\n  maxRetrys: 2\n',
    );
    await expect(loadAgentsConfig(path.join(dir, 'agents'))).rejects.toThrow(/"maxRetrys" \(did you mean "maxRetries"\?\)/);
  });

  it('says which file is missing', async () => {
    await rm(path.join(dir, 'agents', 'sequencer.yaml'));
    await expect(loadAgentsConfig(path.join(dir, 'agents'))).rejects.toThrow(/cannot read agent file .*sequencer\.yaml/);
  });
});

describe('prompt templates', () => {
  it('splits the stable system part from the node-specific part', async () => {
    const agents = await loadAgentsConfig(path.join(dir, 'agents'));
    const templates = await loadPromptTemplates(path.join(dir, 'prompts'), agents);
    const rendered = templates.checker({
      node: { title: 'Write {{tests}}', description: 'd' },
      notes: [{ path: 'n.md', content: 'Use <b>vitest</b> {{#each x}}' }],
      result: { summary: 's', output: 'o', artifacts: [] },
      attempt: 1,
    });
    expect(rendered.system).toContain('Use <b>vitest</b> {{#each x}}');
    expect(rendered.user).toContain('Task: Write {{tests}}');
    expect(rendered.user).not.toContain('You are the checker');
  });

  it('compiles a template once for every run that loads it, and again once its file changes', async () => {
    const agents = await loadAgentsConfig(path.join(dir, 'agents'));
    const first = await loadPromptTemplates(path.join(dir, 'prompts'), agents);
    const second = await loadPromptTemplates(path.join(dir, 'prompts'), agents);
    expect(second.executor).toBe(first.executor);
    await writeFile(path.join(dir, 'prompts', 'executor.hbs'), 'Edited: {{node.title}}');
    const edited = await loadPromptTemplates(path.join(dir, 'prompts'), agents);
    expect(edited.executor).not.toBe(first.executor);
    expect(edited.executor({ node: { title: 'T' } }).user).toBe('Edited: T');
    expect(edited.checker).toBe(first.checker);
  });

  it('names the template with a syntax error before any work starts', async () => {
    await writeFile(path.join(dir, 'prompts', 'executor.hbs'), '{{#if node}}unclosed');
    const agents = await loadAgentsConfig(path.join(dir, 'agents'));
    await expect(loadPromptTemplates(path.join(dir, 'prompts'), agents)).rejects.toThrow(/prompt template .*executor\.hbs has a syntax error/);
  });
});
