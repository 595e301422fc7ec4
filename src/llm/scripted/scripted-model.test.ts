import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ModelBehaviourError,
  ProviderError,
  UsageError,
  type AgentRole,
  type PlannedTask,
} from '../../domain/index.js';
import type { CallSubject, ModelRequest } from '../model.js';
import { withRetries } from '../with-retries.js';
import type { ScriptFile } from './script-file.js';
import { parseScript } from './parse-script.js';
import { createScriptedModel } from './scripted-model.js';

type NodeFields = Partial<CallSubject['node']>;

function request(role: AgentRole, node: NodeFields = {}, extra: Partial<CallSubject> = {}): ModelRequest {
  return {
    role,
    system: 'You are the agent.',
    messages: [{ role: 'user', content: 'Do the task.' }],
    schema: { name: `${role}_answer`, zod: {} as never, jsonSchema: {} },
    temperature: null,
    maxOutputTokens: 1000,
    cacheKey: 'run-1',
    subject: {
      run: { id: 'run-1', prompt: 'Build a todo app' },
      node: {
        id: '1',
        title: 'Design the data model',
        description: '',
        depth: 1,
        key: 'model',
        parentId: '0',
        ...node,
      },
      attempt: 1,
      ...extra,
    },
  };
}

function model(script: ScriptFile) {
  return createScriptedModel({ script: parseScript(script, 'test.script.yaml') });
}

async function answer(
  script: ScriptFile,
  role: AgentRole,
  node: NodeFields = {},
  extra: Partial<CallSubject> = {},
) {
  const response = await model(script).generate(request(role, node, extra));
  return JSON.parse(response.text) as Record<string, unknown>;
}

const pass = { verdict: 'pass', feedback: 'fine' };

afterEach(() => {
  vi.useRealTimers();
});

describe('createScriptedModel', () => {
  it('paces every call to at least paceMs (the paced demo), keeping longer scripted delays', async () => {
    const waits: number[] = [];
    const scripted = createScriptedModel({
      script: parseScript({ delayMs: 20, rules: [{ role: 'planner', delayMs: 900, respond: { tasks: [] } }], defaults: { checker: pass } }, 'paced.yaml'),
      paceMs: 400,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    await scripted.generate(request('checker'));
    await scripted.generate(request('planner'));
    expect(waits).toEqual([400, 900]);
  });

  it('reports provider script and the file name as model id', () => {
    const scripted = model({ defaults: { checker: pass } });
    expect(scripted.provider).toBe('script');
    expect(scripted.modelId).toBe('test.script.yaml');
  });

  it('answers with the first matching rule, before later rules and defaults', async () => {
    const script: ScriptFile = {
      rules: [
        { role: 'checker', respond: { verdict: 'fail', feedback: 'first' } },
        { role: 'checker', respond: { verdict: 'fail', feedback: 'second' } },
      ],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker')).toEqual({ verdict: 'fail', feedback: 'first' });
  });

  it('ignores rules for other roles', async () => {
    const script: ScriptFile = {
      rules: [{ role: 'executor', raw: 'not for the checker' }],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker')).toEqual(pass);
  });

  it('matches the title as a regex', async () => {
    const script: ScriptFile = {
      rules: [{ role: 'checker', title: '^Deploy\\b', respond: { verdict: 'fail', feedback: 'deploy' } }],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker', { title: 'Deploy to production' })).toMatchObject({
      feedback: 'deploy',
    });
    expect(await answer(script, 'checker', { title: 'Plan the deploy' })).toEqual(pass);
  });

  it('matches the exact depth', async () => {
    const script: ScriptFile = {
      rules: [{ role: 'checker', depth: 2, respond: { verdict: 'fail', feedback: 'deep' } }],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker', { depth: 2 })).toMatchObject({ feedback: 'deep' });
    expect(await answer(script, 'checker', { depth: 1 })).toEqual(pass);
    expect(await answer(script, 'checker', { depth: 3 })).toEqual(pass);
  });

  it("matches the role's attempt number on the node", async () => {
    const script: ScriptFile = {
      rules: [{ role: 'checker', attempt: 1, respond: { verdict: 'fail', feedback: 'no edge cases' } }],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker', {}, { attempt: 1 })).toMatchObject({ verdict: 'fail' });
    expect(await answer(script, 'checker', {}, { attempt: 2 })).toEqual(pass);
  });

  it('needs every matcher of a rule to match', async () => {
    const script: ScriptFile = {
      rules: [
        {
          role: 'checker',
          title: 'model',
          depth: 1,
          attempt: 2,
          respond: { verdict: 'fail', feedback: 'all' },
        },
      ],
      defaults: { checker: pass },
    };
    expect(await answer(script, 'checker', {}, { attempt: 2 })).toMatchObject({ feedback: 'all' });
    expect(await answer(script, 'checker', { depth: 2 }, { attempt: 2 })).toEqual(pass);
    expect(await answer(script, 'checker', { title: 'Other' }, { attempt: 2 })).toEqual(pass);
  });

  it('fails a call that no rule or default answers, naming role, node and title', async () => {
    const scripted = model({ defaults: { checker: pass } });
    const call = scripted.generate(request('executor', { id: '2.1', title: 'Add authentication' }));
    await expect(call).rejects.toThrow(UsageError);
    await expect(call).rejects.toThrow(/executor call on node 2\.1 \("Add authentication"/);
    await expect(call).rejects.toMatchObject({ role: 'executor', nodeId: '2.1', runId: 'run-1' });
  });

  it('fills omitted null and empty-list fields of an answer', async () => {
    const script: ScriptFile = {
      defaults: {
        planner: { tasks: [{ key: 'api', title: 'Build the API', description: 'REST' }] },
        executor: { action: 'decompose', reason: 'too big' },
      },
    };
    expect(await answer(script, 'planner')).toEqual({
      tasks: [
        {
          key: 'api',
          title: 'Build the API',
          description: 'REST',
          dependsOn: [],
          notes: [],
          requiresApproval: false,
          approvalReason: null,
        },
      ],
    });
    expect(await answer(script, 'executor')).toEqual({
      action: 'decompose',
      reason: 'too big',
      result: null,
    });
  });

  it('returns raw text verbatim as a complete answer', async () => {
    const response = await model({ rules: [{ role: 'planner', raw: '{"tasks": [' }] }).generate(
      request('planner'),
    );
    expect(response).toMatchObject({ text: '{"tasks": [', finishReason: 'complete', refusal: null });
  });

  it('estimates usage at four characters per token, free of cost', async () => {
    const response = await model({ rules: [{ role: 'planner', raw: '12345' }] }).generate(request('planner'));
    // 'You are the agent.' (18) + 'Do the task.' (12) = 30 characters.
    expect(response.usage).toEqual({
      calls: 1,
      inputTokens: 8,
      outputTokens: 2,
      cachedTokens: 0,
      costUsd: 0,
    });
  });
});

describe('scripted templates', () => {
  it('renders node, run and attempt into every string of an answer', async () => {
    const script: ScriptFile = {
      defaults: {
        executor: {
          action: 'complete',
          result: {
            summary: 'done: {{node.title}} (try {{attempt}})',
            output: 'for {{run.prompt}} at depth {{node.depth}}',
          },
        },
      },
    };
    expect(await answer(script, 'executor', {}, { attempt: 2 })).toEqual({
      action: 'complete',
      reason: null,
      result: {
        summary: 'done: Design the data model (try 2)',
        output: 'for Build a todo app at depth 1',
        artifacts: [],
      },
    });
  });

  it('never escapes HTML and never compiles the data it renders', async () => {
    const script: ScriptFile = {
      defaults: { checker: { verdict: 'pass', feedback: '<ok> {{node.title}} {{missing}}' } },
    };
    const result = await answer(script, 'checker', { title: 'Use {{run.prompt}} & <b>' });
    expect(result.feedback).toBe('<ok> Use {{run.prompt}} & <b> ');
  });

  it('builds a synthetic tree from one templated planner answer', async () => {
    const scripted = model({
      defaults: {
        planner: {
          tasks: [
            { key: 'a', title: '{{node.title}}/a', description: 'first part of {{node.title}}' },
            { key: 'b', title: '{{node.title}}/b', description: 'second part', dependsOn: ['a'] },
          ],
        },
      },
    });
    const plan = async (title: string, depth: number) => {
      const response = await scripted.generate(request('planner', { title, depth }));
      return (JSON.parse(response.text) as { tasks: PlannedTask[] }).tasks;
    };
    const titles: string[] = [];
    for (const child of await plan('Root', 0)) {
      titles.push(child.title);
      for (const grandchild of await plan(child.title, 1)) titles.push(grandchild.title);
    }
    expect(titles).toEqual(['Root/a', 'Root/a/a', 'Root/a/b', 'Root/b', 'Root/b/a', 'Root/b/b']);
  });
});

describe('scripted latency', () => {
  it('answers only after delayMs has passed', async () => {
    vi.useFakeTimers();
    const scripted = model({ delayMs: 10, rules: [{ role: 'checker', delayMs: 50, respond: pass }] });
    let settled = false;
    const call = scripted.generate(request('checker')).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    await expect(call).resolves.toMatchObject({ finishReason: 'complete' });
  });

  it('applies the top-level delayMs to defaults', async () => {
    vi.useFakeTimers();
    const scripted = model({ delayMs: 30, defaults: { checker: pass } });
    let settled = false;
    const call = scripted.generate(request('checker')).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(29);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(call).resolves.toBeDefined();
  });

  it('rejects with the abort reason when the signal aborts during the delay', async () => {
    vi.useFakeTimers();
    const scripted = model({ rules: [{ role: 'checker', delayMs: 60_000, respond: pass }] });
    const controller = new AbortController();
    const call = scripted.generate({ ...request('checker'), signal: controller.signal });
    const reason = new Error('run cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    const scripted = model({ defaults: { checker: pass } });
    await expect(scripted.generate({ ...request('checker'), signal: controller.signal })).rejects.toThrow(
      'stopped',
    );
  });
});

describe('scripted provider errors', () => {
  it('throws a ProviderError with status, retryability and Retry-After like a real adapter', async () => {
    const scripted = model({
      rules: [
        { role: 'planner', title: 'rate', error: { status: 429, retryAfterMs: 100 } },
        { role: 'planner', title: 'bad', error: { status: 400, message: 'bad request' } },
        { role: 'planner', title: 'down', error: { status: 503 } },
      ],
    });
    const rate = scripted.generate(request('planner', { title: 'rate' }));
    await expect(rate).rejects.toBeInstanceOf(ProviderError);
    await expect(rate).rejects.toMatchObject({ status: 429, retryable: true, retryAfterMs: 100 });
    await expect(scripted.generate(request('planner', { title: 'bad' }))).rejects.toMatchObject({
      status: 400,
      retryable: false,
      message: expect.stringContaining('bad request') as unknown,
    });
    await expect(scripted.generate(request('planner', { title: 'down' }))).rejects.toMatchObject({
      status: 503,
      retryable: true,
      retryAfterMs: undefined,
    });
  });

  it('lets withRetries retry a transient fault until a later rule answers', async () => {
    vi.useFakeTimers();
    const scripted = model({
      rules: [
        { role: 'planner', times: 2, error: { status: 429, retryAfterMs: 100 } },
        { role: 'planner', respond: { tasks: [{ key: 'a', title: 'A', description: '' }] } },
      ],
    });
    const retries: number[] = [];
    const same = request('planner');
    const call = withRetries(() => scripted.generate(same), {
      policy: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 1000 },
      onRetry: ({ attempt, delayMs }) => retries.push(attempt * 1000 + delayMs),
    });
    await vi.advanceTimersByTimeAsync(200);
    const response = await call;
    expect(retries).toEqual([1100, 2100]);
    expect(JSON.parse(response.text)).toMatchObject({ tasks: [{ key: 'a' }] });
  });

  it("answers a role's next attempt from its own rule after the previous attempt failed", async () => {
    const scripted = model({
      rules: [
        { role: 'planner', attempt: 1, error: { status: 500 } },
        { role: 'planner', attempt: 2, respond: { tasks: [{ key: 'a', title: 'A', description: '' }] } },
      ],
    });
    await expect(scripted.generate(request('planner', {}, { attempt: 1 }))).rejects.toMatchObject({
      status: 500,
    });
    await expect(scripted.generate(request('planner', {}, { attempt: 2 }))).resolves.toMatchObject({
      finishReason: 'complete',
    });
  });

  it('counts times per call, so every node gets its own transient fault', async () => {
    const scripted = model({
      rules: [{ role: 'checker', times: 1, error: { status: 503 } }],
      defaults: { checker: pass },
    });
    await expect(scripted.generate(request('checker', { id: '1' }))).rejects.toMatchObject({ status: 503 });
    await expect(scripted.generate(request('checker', { id: '2' }))).rejects.toMatchObject({ status: 503 });
    await expect(scripted.generate(request('checker', { id: '1' }))).resolves.toBeDefined();
  });
});

describe('auto sequencer', () => {
  const tasks: PlannedTask[] = [
    {
      key: 'model',
      title: 'Model',
      description: '',
      dependsOn: [],
      notes: [],
      requiresApproval: false,
      approvalReason: null,
    },
    {
      key: 'api',
      title: 'API',
      description: '',
      dependsOn: ['model'],
      notes: [],
      requiresApproval: false,
      approvalReason: null,
    },
    {
      key: 'web',
      title: 'Web',
      description: '',
      dependsOn: ['model'],
      notes: [],
      requiresApproval: false,
      approvalReason: null,
    },
    {
      key: 'ship',
      title: 'Ship',
      description: '',
      dependsOn: ['api', 'web'],
      notes: [],
      requiresApproval: false,
      approvalReason: null,
    },
  ];

  it('answers groups and dependencies from the tasks as topological levels', async () => {
    const result = await answer({ defaults: { sequencer: 'auto' } }, 'sequencer', {}, { tasks });
    expect(result).toMatchObject({
      groups: [['model'], ['api', 'web'], ['ship']],
      dependsOn: [
        { key: 'api', on: ['model'] },
        { key: 'web', on: ['model'] },
        { key: 'ship', on: ['api', 'web'] },
      ],
      integration: [],
    });
  });

  it('works as a rule answer too', async () => {
    const result = await answer(
      { rules: [{ role: 'sequencer', respond: 'auto' }] },
      'sequencer',
      {},
      { tasks },
    );
    expect(result.groups).toEqual([['model'], ['api', 'web'], ['ship']]);
  });

  it('fails naming the cycle when the tasks depend on each other', async () => {
    const cyclic = tasks.map((task) => (task.key === 'model' ? { ...task, dependsOn: ['ship'] } : task));
    const call = model({ defaults: { sequencer: 'auto' } }).generate(
      request('sequencer', {}, { tasks: cyclic }),
    );
    await expect(call).rejects.toBeInstanceOf(ModelBehaviourError);
    await expect(call).rejects.toThrow(/dependency cycle: model → ship → api → model/);
  });
});
