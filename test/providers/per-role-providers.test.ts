import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAgentsConfig } from '../../src/agents/index.js';
import { createModelFactory } from '../../src/api/model-factory.js';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { fakeVendor, type VendorAnswer, type VendorCall } from '../support/fake-vendor.js';
import { useLlmHttp } from '../support/llm-http.js';

const llm = useLlmHttp();
const repoRoot = path.resolve(import.meta.dirname, '../..');
const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' };

function answer(call: VendorCall): VendorAnswer {
  const task = (key: string) => ({
    key,
    title: key,
    description: `Deliver ${key}`,
    dependsOn: [],
    notes: [],
    requiresApproval: false,
    approvalReason: null,
  });
  switch (call.role) {
    case 'planner':
      return { answer: { tasks: [task('alpha'), task('beta')] } };
    case 'sequencer':
      return {
        answer: { groups: [['alpha', 'beta']], dependsOn: [], integration: [], rationale: 'independent' },
      };
    case 'executor':
      return {
        answer: {
          action: 'complete',
          reason: null,
          result: { summary: 'done', output: 'ok', artifacts: [] },
        },
      };
    case 'checker':
      return { answer: { verdict: 'pass', feedback: 'ok' } };
  }
}

/** Replaces `key: value` lines of a YAML agent file. */
async function edit(file: string, settings: Record<string, string>): Promise<void> {
  let text = await readFile(file, 'utf8');
  for (const [key, value] of Object.entries(settings)) {
    const line = new RegExp(`^${key}:.*$`, 'm');
    text = line.test(text) ? text.replace(line, `${key}: ${value}`) : `${text}\n${key}: ${value}\n`;
  }
  await writeFile(file, text);
}

let harness: Harness | undefined;
let agentsDir: string | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
  if (agentsDir) await rm(agentsDir, { recursive: true, force: true });
  agentsDir = undefined;
});

describe('per-role providers', () => {
  it('sends each role to the vendor and model its agent file names, and the rest to --llm', async () => {
    agentsDir = await mkdtemp(path.join(tmpdir(), 'arbor-agents-'));
    await cp(path.join(repoRoot, 'agents'), agentsDir, { recursive: true });
    await edit(path.join(agentsDir, 'planner.yaml'), { provider: 'anthropic', model: 'claude-haiku-4-5' });
    await edit(path.join(agentsDir, 'executor.yaml'), { provider: 'openai', model: 'gpt-4.1-nano' });
    const agents = await loadAgentsConfig(agentsDir);
    const modelFor = createModelFactory({ llm: 'anthropic', agents, env });

    const calls: VendorCall[] = [];
    fakeVendor(llm, { vendor: 'openai', respond: answer, calls });
    fakeVendor(llm, { vendor: 'anthropic', respond: answer, calls });
    harness = await createHarness({ modelFor, llm: 'anthropic', agents: () => agents });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    const routes = new Set(calls.map((call) => `${call.role} → ${call.host} ${call.model}`));
    expect([...routes].sort()).toEqual([
      'checker → api.anthropic.com claude-sonnet-4-6',
      'executor → api.openai.com gpt-4.1-nano',
      'planner → api.anthropic.com claude-haiku-4-5',
      'sequencer → api.anthropic.com claude-sonnet-4-6',
    ]);
    expect(calls.filter((call) => call.role === 'executor')).toHaveLength(2);
    // Each vendor got its own key, and only its own.
    for (const request of llm.requests) {
      const [own, other] = request.url.startsWith('https://api.openai.com')
        ? [env.OPENAI_API_KEY, env.ANTHROPIC_API_KEY]
        : [env.ANTHROPIC_API_KEY, env.OPENAI_API_KEY];
      expect(JSON.stringify(request.headers)).toContain(own);
      expect(JSON.stringify(request)).not.toContain(other);
    }
    // Costs are priced per role's own model: both models are in the table, so the total is known.
    expect(outcome.run.usage.costUsd).not.toBeNull();
    expect(outcome.run.usage.calls).toBe(calls.length);
  });
});
