import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  agentAnswerSchemas,
  childId,
  type AgentAnswers,
  type AgentRole,
  type PlannedTask,
} from '../../domain/index.js';
import type { CallSubject } from '../model.js';
import { loadScript } from './load-script.js';
import type { Script } from './parse-script.js';
import { createScriptedModel } from './scripted-model.js';

const demoPath = fileURLToPath(new URL('../../../examples/demo.script.yaml', import.meta.url));

/** The demo script without its latency: this test walks the tree, it does not time it. */
function demoWithoutDelays(): Script {
  const script = loadScript(demoPath);
  return { ...script, delayMs: 0, rules: script.rules.map((rule) => ({ ...rule, delayMs: null })) };
}

interface WalkedNode {
  id: string;
  title: string;
  depth: number;
  task: PlannedTask | null;
  decomposed: boolean;
  checks: AgentAnswers['checker']['verdict'][];
  groups: string[][];
  integration: string[];
}

/** Walks the demo the way the engine does (plan → sequence → execute → check), validating every answer. */
async function walkDemo(): Promise<WalkedNode[]> {
  const model = createScriptedModel({ script: demoWithoutDelays() });
  const run = { id: 'demo', prompt: 'Build a small todo web app' };
  const calls = new Map<string, number>();
  const walked: WalkedNode[] = [];

  async function ask<R extends AgentRole>(role: R, node: CallSubject['node'], tasks?: PlannedTask[]) {
    const key = `${node.id} ${role}`;
    const attempt = (calls.get(key) ?? 0) + 1;
    calls.set(key, attempt);
    const response = await model.generate({
      role,
      system: '',
      messages: [],
      schema: { name: role, zod: agentAnswerSchemas[role], jsonSchema: {} },
      temperature: null,
      maxOutputTokens: 4000,
      cacheKey: run.id,
      subject: { run, node, attempt, ...(tasks ? { tasks } : {}) },
    });
    return agentAnswerSchemas[role].parse(JSON.parse(response.text)) as AgentAnswers[R];
  }

  async function visit(node: CallSubject['node'], task: PlannedTask | null): Promise<void> {
    const walkedNode: WalkedNode = {
      ...node,
      task,
      decomposed: false,
      checks: [],
      groups: [],
      integration: [],
    };
    walked.push(walkedNode);
    let decompose = node.depth === 0;
    while (!decompose) {
      const execution = await ask('executor', node);
      if (execution.action === 'decompose') decompose = true;
      else {
        const check = await ask('checker', node);
        walkedNode.checks.push(check.verdict);
        if (check.verdict === 'pass') return;
      }
    }
    walkedNode.decomposed = true;
    const { tasks } = await ask('planner', node);
    const sequence = await ask('sequencer', node, tasks);
    walkedNode.groups = sequence.groups;
    walkedNode.integration = sequence.integration;
    for (const [order, child] of tasks.entries()) {
      const id = childId(node.id, order);
      await visit(
        {
          id,
          title: child.title,
          description: child.description,
          depth: node.depth + 1,
          key: child.key,
          parentId: node.id,
        },
        child,
      );
    }
  }

  await visit({ id: '0', title: run.prompt, description: '', depth: 0, key: 'root', parentId: null }, null);
  return walked;
}

describe('examples/demo.script.yaml', () => {
  it('plans a todo app whose API and UI run as one parallel group joined by an integration step', async () => {
    const root = (await walkDemo()).find((node) => node.id === '0')!;
    expect(root.groups).toEqual([['model'], ['api', 'web'], ['e2e'], ['deploy']]);
    expect(root.integration).toEqual(['e2e']);
  });

  it('recurses to depth 3 through the API and its authentication', async () => {
    const walked = await walkDemo();
    expect(walked.filter((node) => node.decomposed).map((node) => node.title)).toEqual([
      'Build a small todo web app',
      'Build the REST API',
      'Add authentication',
    ]);
    expect(walked.filter((node) => node.depth === 3).map((node) => node.title)).toEqual([
      'Hash and store passwords',
      'Issue and verify session tokens',
    ]);
    expect(walked.find((node) => node.id === '2.1')?.task?.description).toBe(
      'Part of Build the REST API: GET/POST /todos, PATCH/DELETE /todos/:id with input validation.',
    );
  });

  it('fails the web UI on its first check and passes it on the second', async () => {
    const walked = await walkDemo();
    expect(walked.find((node) => node.title === 'Build the web UI')?.checks).toEqual(['fail', 'pass']);
    expect(walked.filter((node) => node.checks.includes('fail'))).toHaveLength(1);
  });

  it('flags only the deployment for approval, with a reason', async () => {
    const flagged = (await walkDemo()).filter((node) => node.task?.requiresApproval);
    expect(flagged.map((node) => node.title)).toEqual(['Deploy to production']);
    expect(flagged[0]?.task?.approvalReason).toMatch(/billable/);
  });

  it('keeps every rule latency between 20 and 80 ms', () => {
    const script = loadScript(demoPath);
    for (const delay of [script.delayMs, ...script.rules.map((rule) => rule.delayMs ?? script.delayMs)])
      expect(delay).toSatisfy((ms: number) => ms >= 20 && ms <= 80);
  });
});
