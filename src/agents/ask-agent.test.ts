import { access } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentRoles, BudgetExceededError, newNode, type AgentRole } from '../domain/index.js';
import type { Model, ModelRequest, ModelResponse } from '../llm/model.js';
import type { AgentRuntime } from './agent-runtime.js';
import { askAgent } from './ask-agent.js';
import { answerSliceMs } from './fair-turn.js';
import type { AgentsConfig } from './agents-config.js';
import { loadAgentsConfig } from './load-agents-config.js';

const at = '2026-01-01T00:00:00.000Z';
const node = newNode({ runId: 'r', id: '1', parent: null, order: 0, key: 'k', title: 'Task', description: 'D', status: 'running', at });
const subject = { run: { id: 'r', prompt: 'P' }, node, attempt: 1 };

const valid: Record<AgentRole, unknown> = {
  planner: { tasks: [{ key: 'a', title: 'A', description: 'd', dependsOn: [], notes: [], requiresApproval: false, approvalReason: null }] },
  sequencer: { groups: [['a']], dependsOn: [], integration: [], rationale: 'r' },
  executor: { action: 'complete', reason: null, result: { summary: 's', output: 'o', artifacts: [] } },
  checker: { verdict: 'pass', feedback: '' },
};
const schemaInvalid: Record<AgentRole, unknown> = {
  planner: { tasks: [] },
  sequencer: { groups: 'a' },
  executor: { action: 'complete', reason: null, result: null },
  checker: { verdict: 'maybe', feedback: '' },
};

let agents: AgentsConfig;
beforeAll(async () => {
  agents = await loadAgentsConfig(path.resolve(import.meta.dirname, '../../agents'));
});

function runtimeAnswering(answers: Array<Partial<ModelResponse> & { text: string }>) {
  const requests: ModelRequest[] = [];
  const model: Model = {
    provider: 'test',
    modelId: 'test',
    generate(request) {
      requests.push(request);
      const answer = answers[requests.length - 1] ?? answers.at(-1)!;
      return Promise.resolve({
        finishReason: 'complete',
        refusal: null,
        usage: { calls: 1, inputTokens: 10, outputTokens: 5, cachedTokens: 0, costUsd: 0 },
        ...answer,
      });
    },
  };
  const runtime: AgentRuntime = {
    agents,
    templates: {} as AgentRuntime['templates'],
    modelFor: () => model,
    configFor: (role) => agents.roles[role],
    templateFor: () => {
      throw new Error('askAgent is given its prompt');
    },
    cacheKey: 'k',
    withSlot: (_role, call) => call(),
    reserve: () => ({ settle: () => {}, cancel: () => {} }),
    signal: new AbortController().signal,
  };
  return { runtime, requests };
}

const prompt = { system: 'system text', user: 'user text' };

describe('askAgent', () => {
  describe.each(agentRoles)('for the %s', (role) => {
    it('returns a valid answer from the first call', async () => {
      const { runtime, requests } = runtimeAnswering([{ text: JSON.stringify(valid[role]) }]);
      const outcome = await askAgent(runtime, { role, prompt, subject });
      expect(outcome).toMatchObject({ success: true, calls: 1, value: valid[role] });
      expect(requests[0]!.schema.name).toBe(`${role}_answer`);
      expect(requests[0]!.system).toBe('system text');
    });

    it('re-asks once with the validation error, as a further attempt, and accepts the corrected answer', async () => {
      const { runtime, requests } = runtimeAnswering([{ text: JSON.stringify(schemaInvalid[role]) }, { text: JSON.stringify(valid[role]) }]);
      const outcome = await askAgent(runtime, { role, prompt, subject });
      expect(outcome).toMatchObject({ success: true, calls: 2 });
      expect(outcome.usage.inputTokens).toBe(20);
      expect(requests[1]!.subject.attempt).toBe(2);
      expect(requests[1]!.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
      expect(requests[1]!.messages[2]!.content).toContain(`does not match the ${role} schema`);
    });

    it('fails with the last validation error when the re-ask is invalid too', async () => {
      const { runtime } = runtimeAnswering([{ text: 'not json' }]);
      const outcome = await askAgent(runtime, { role, prompt, subject });
      expect(outcome.success).toBe(false);
      if (outcome.success) return;
      expect(outcome.error.message).toBe(`the ${role} gave no valid answer in 2 tries: the answer is not valid JSON (Unexpected token 'o', "not json" is not valid JSON)`);
      expect(outcome.calls).toBe(2);
    });
  });

  it('accepts JSON inside a markdown code fence', async () => {
    const { runtime } = runtimeAnswering([{ text: '```json\n{"verdict":"pass","feedback":""}\n```' }]);
    expect((await askAgent(runtime, { role: 'checker', prompt, subject })).success).toBe(true);
  });

  it('re-asks a truncated answer asking for a shorter one', async () => {
    const { runtime, requests } = runtimeAnswering([{ text: '{"verdict":"pa', finishReason: 'truncated' }, { text: '{"verdict":"pass","feedback":""}' }]);
    expect((await askAgent(runtime, { role: 'checker', prompt, subject })).success).toBe(true);
    expect(requests[1]!.messages[2]!.content).toContain('cut off at the output limit');
  });

  it('fails at once on a refusal, quoting it', async () => {
    const { runtime, requests } = runtimeAnswering([{ text: '', finishReason: 'refused', refusal: 'I cannot help with that' }]);
    const outcome = await askAgent(runtime, { role: 'executor', prompt, subject });
    expect(requests).toHaveLength(1);
    expect(!outcome.success && outcome.error.message).toBe('the executor refused to answer: "I cannot help with that"');
  });

  it('sends semantic validation errors back to the model', async () => {
    const { runtime, requests } = runtimeAnswering([{ text: JSON.stringify(valid.checker) }]);
    const outcome = await askAgent(runtime, {
      role: 'checker',
      prompt,
      subject,
      validate: () => ({ success: false, error: 'feedback must not be empty' }),
    });
    expect(outcome.success).toBe(false);
    expect(requests[1]!.messages[2]!.content).toContain('feedback must not be empty');
  });

  it('does not call the model when the budget has no room', async () => {
    const { runtime, requests } = runtimeAnswering([{ text: JSON.stringify(valid.checker) }]);
    runtime.reserve = () => {
      throw new BudgetExceededError('maxCalls', 'limit');
    };
    await expect(askAgent(runtime, { role: 'checker', prompt, subject })).rejects.toThrow(BudgetExceededError);
    expect(requests).toEqual([]);
  });

  it('handles answers that arrive together in slices, with I/O in between (see fairTurn)', async () => {
    const { runtime } = runtimeAnswering([{ text: JSON.stringify(valid.checker) }]);
    const order: Array<number | 'io'> = [];
    await new Promise((resolve) => setImmediate(resolve));
    // Due at once, this I/O callback would wait for all the answers if they went on in one stretch.
    access(import.meta.filename, () => order.push('io'));
    const outcomes = await Promise.all(
      Array.from({ length: 6 * answerSliceMs }, (_, index) =>
        askAgent(runtime, {
          role: 'checker',
          prompt,
          subject,
          validate: (answer) => {
            const until = performance.now() + 1; // 1 ms to handle each answer
            while (performance.now() < until);
            order.push(index);
            return { success: true, value: answer };
          },
        }),
      ),
    );
    expect(outcomes.every((outcome) => outcome.success)).toBe(true);
    expect(order.indexOf('io')).toBeGreaterThan(0);
    expect(order.indexOf('io')).toBeLessThan(order.length - 1);
  });
});
