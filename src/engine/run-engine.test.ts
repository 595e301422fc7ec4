import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../domain/index.js';
import { createHarness, passingDefaults, tasks, type Harness } from '../../test/support/engine-harness.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

const userText = (call: { request: { messages: ReadonlyArray<{ content: string }> } }) =>
  call.request.messages.map((message) => message.content).join('\n');

describe.each(storesUnderTest())('run engine on the %s store', (store) => {
  it('plans the prompt, runs every task and rolls the results up to the root', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks({ key: 'a', title: 'Model' }, { key: 'b', title: 'API', dependsOn: ['a'] }),
        },
      },
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('completed');
    const nodes = await harness.nodes();
    expect(nodes.map((node) => [node.id, node.title, node.status])).toEqual([
      ['0', 'Build a todo app', 'completed'],
      ['1', 'Model', 'completed'],
      ['2', 'API', 'completed'],
    ]);
    const root = nodes[0]!;
    expect(root.result?.summary).toBe('2 of 2 subtasks completed');
    expect(root.result?.output).toContain('API: done: API');
    expect(nodes[2]!.dependsOn).toEqual(['1']);
    // A passed leaf keeps its result once: the executor answer it came from is not kept beside it.
    expect(nodes[2]!.result).toMatchObject({ summary: 'done: API', output: 'output of API' });
    expect(nodes[2]!.pipeline).toEqual({ execution: null, plan: null, sequence: null });
    expect(outcome.run.usage.calls).toBe(harness.calls.length);
    expect(outcome.run.nodeCount).toBe(3);
  });

  it('starts a dependent in the write that makes it ready, and stores the sequence as the children it shapes', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }, { key: 'b', dependsOn: ['a'] }) },
      },
    });
    const updates = vi.spyOn(harness.store, 'updateNode');
    expect((await harness.drive()).status).toBe('completed');
    const writes = updates.mock.calls.map(([update]) => update);
    const first = writes.find((update) => update.nodeId === '2')!;
    expect(first.events?.map((event) => [event.from, event.to])).toEqual([
      ['pending', 'ready'],
      ['ready', 'running'],
    ]);
    expect(first.patch.version).toBe(first.expectedVersion + 2);
    // No write of its own for the sequencer's answer: its cost rides on the decompose.
    expect(writes.filter((update) => update.patch.pipeline?.sequence)).toEqual([]);
    const decompose = writes.find((update) => update.events?.[0]?.type === 'decompose')!;
    expect(decompose.patch.calls?.sequencer).toBe(1);
    expect((await harness.nodes())[0]!.calls.sequencer).toBe(1);
  });

  it('after a crash between inserting the children and marking the parent decomposed, asks the sequencer again and keeps the children', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }, { key: 'b', dependsOn: ['a'] }) },
      },
    });
    const write = harness.store.updateNode.bind(harness.store);
    const updates = vi.spyOn(harness.store, 'updateNode').mockImplementation(async (update) => {
      if (update.events?.[0]?.type === 'decompose') throw new StoreError('the store went away');
      return write(update);
    });
    await expect(harness.drive()).rejects.toThrow('the store went away');
    expect((await harness.nodes()).map((node) => [node.id, node.status])).toContainEqual(['0', 'running']);
    updates.mockRestore();
    expect((await harness.drive()).status).toBe('completed');
    const nodes = await harness.nodes();
    expect(nodes.map((node) => node.id)).toEqual(['0', '1', '2']);
    expect(harness.calls.filter((call) => call.role === 'sequencer')).toHaveLength(2);
    expect(harness.calls.filter((call) => call.role === 'planner')).toHaveLength(1);
    expect(nodes[0]!.calls.sequencer).toBe(1);
  });

  it('stores a node running before its executor is called, and each answer before the next call (write before act)', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }, { key: 'b', dependsOn: ['a'] }) },
      },
    });
    const write = harness.store.updateNode.bind(harness.store);
    const callsWhenStored: string[] = [];
    vi.spyOn(harness.store, 'updateNode').mockImplementation(async (update) => {
      // A slow store: a call that went out while the write was on its way would be seen below.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stored = await write(update);
      const roles = harness!.calls.filter((call) => call.nodeId === update.nodeId).map((call) => call.role);
      const types = update.events?.map((event) => event.type).join('+') ?? 'save';
      if (update.nodeId !== '0') callsWhenStored.push(`${update.nodeId} ${types}: ${roles.join(',') || '-'}`);
      return stored;
    });
    const insert = harness.store.insertNodes.bind(harness.store);
    vi.spyOn(harness.store, 'insertNodes').mockImplementation(async (nodes, events = []) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await insert(nodes, events);
      for (const node of nodes) {
        const types = events.filter((event) => event.nodeId === node.id).map((event) => event.type);
        const roles = harness!.calls.filter((call) => call.nodeId === node.id).map((call) => call.role);
        callsWhenStored.push(`${node.id} ${types.join('+')} (${node.status}): ${roles.join(',') || '-'}`);
      }
    });
    expect((await harness.drive()).status).toBe('completed');
    expect(callsWhenStored).toEqual([
      // A child that can start at once is inserted started: still stored before its executor's call.
      '1 create+start (running): -',
      '2 create (pending): -',
      '1 submit: executor',
      '1 pass: executor,checker',
      '2 deps-met+start: -',
      '2 submit: executor',
      '2 pass: executor,checker',
    ]);
  });

  it('recurses through scoped planners until the leaves can be executed, three levels deep', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [
          { role: 'executor', depth: 1, respond: { action: 'decompose', reason: 'too big' } },
          { role: 'executor', depth: 2, respond: { action: 'decompose', reason: 'still too big' } },
          {
            role: 'planner',
            respond: {
              tasks: [
                { key: 'a', title: '{{node.title}}/a', description: 'first half of {{node.title}}' },
                { key: 'b', title: '{{node.title}}/b', description: 'second half', dependsOn: ['a'] },
              ],
            },
          },
        ],
        defaults: passingDefaults,
      },
      prompt: 'App',
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('completed');
    const nodes = await harness.nodes();
    const deepest = nodes.filter((node) => node.depth === 3);
    expect(deepest).toHaveLength(8);
    expect(deepest.every((node) => node.status === 'completed')).toBe(true);
    const leaf = nodes.find((node) => node.title === 'App/a/b/a')!;
    expect(leaf.ancestors).toEqual(['0', '1', '1.2']);
    expect(nodes.filter((node) => node.status === 'decomposed')).toEqual([]);
    // A scoped planner sees its own chain, not its cousins.
    const planner = harness.callsFor('planner', 'App/a/b')[0]!;
    expect(planner.request.messages[0]!.content).toContain('App/a');
    expect(planner.request.messages[0]!.content).not.toContain('App/b');
    expect(planner.request.messages[0]!.content).toContain('still too big');
  });

  it('runs independent siblings at the same time and starts a dependent as soon as its own dependency is done', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [
          { role: 'executor', title: '^slow$', delayMs: 300, respond: passingDefaults.executor },
          { role: 'executor', delayMs: 40, respond: passingDefaults.executor },
        ],
        defaults: {
          ...passingDefaults,
          planner: tasks({ key: 'slow' }, { key: 'x' }, { key: 'y' }, { key: 'after-x', dependsOn: ['x'] }),
        },
      },
    });
    await harness.drive();
    expect(harness.peakInFlight()).toBeGreaterThanOrEqual(3);
    // No level barrier: after-x starts while the slow sibling of its dependency is still in flight.
    const afterX = harness.callsFor('executor', 'after-x')[0]!;
    const slowIndex = harness.calls.indexOf(harness.callsFor('executor', 'slow')[0]!);
    expect(harness.calls.indexOf(afterX)).toBeGreaterThan(slowIndex);
    expect(
      harness.events.findIndex(
        (event) =>
          event.type === 'node-transition' &&
          event.node.title === 'after-x' &&
          event.node.status === 'completed',
      ),
    ).toBeLessThan(
      harness.events.findIndex(
        (event) =>
          event.type === 'node-transition' &&
          event.node.title === 'slow' &&
          event.node.status === 'completed',
      ),
    );
  });

  it('sends a failed check back to the executor with the feedback, then passes', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [
          {
            role: 'checker',
            title: '^tests$',
            attempt: 1,
            respond: { verdict: 'fail', feedback: 'no edge cases covered' },
          },
        ],
        defaults: { ...passingDefaults, planner: tasks({ key: 'tests' }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');
    const executorCalls = harness.callsFor('executor', 'tests');
    expect(executorCalls).toHaveLength(2);
    expect(userText(executorCalls[0]!)).not.toContain('no edge cases covered');
    expect(userText(executorCalls[1]!)).toContain('no edge cases covered');
    const node = await harness.node('tests');
    expect(node.attempts).toBe(2);
    expect(node.checks.map((check) => [check.attempt, check.verdict])).toEqual([
      [1, 'fail'],
      [2, 'pass'],
    ]);
  });

  it('escalates to a person when check attempts run out, and retries with their guidance', async () => {
    harness = await createHarness({
      store,
      limits: { maxAttempts: 2 },
      script: {
        rules: [
          { role: 'checker', title: '^hard$', attempt: 1, respond: { verdict: 'fail', feedback: 'wrong' } },
          {
            role: 'checker',
            title: '^hard$',
            attempt: 2,
            respond: { verdict: 'fail', feedback: 'still wrong' },
          },
        ],
        defaults: { ...passingDefaults, planner: tasks({ key: 'hard' }, { key: 'easy' }) },
      },
    });
    const first = await harness.drive();
    expect(first.status).toBe('awaiting_approval');
    const hard = await harness.node('hard');
    expect(hard.status).toBe('awaiting_approval');
    expect(hard.approval).toMatchObject({ kind: 'escalation', round: 1, decision: null });
    expect(hard.approval?.reason).toContain('still wrong');
    expect((await harness.node('easy')).status).toBe('completed');
    expect(harness.callsFor('executor', 'hard')).toHaveLength(2);

    const other = await harness.openSecondStore();
    const recorded = await other.recordDecision(harness.runId, hard.id, {
      action: 'retry',
      comment: 'use the spec in notes',
      description: null,
      by: 'ana',
      at: new Date().toISOString(),
      round: 1,
    });
    await other.close();
    expect(recorded.success).toBe(true);
    expect((await harness.drive()).status).toBe('completed');
    const retried = harness.callsFor('executor', 'hard');
    expect(retried).toHaveLength(3);
    expect(userText(retried[2]!)).toContain('Guidance from a person: use the spec in notes');
  });

  it('pauses only the branch that waits for approval while the rest of the tree completes', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks(
            { key: 'build', title: 'Build' },
            { key: 'deploy', title: 'Deploy', requiresApproval: true, approvalReason: 'production' },
            { key: 'announce', title: 'Announce', dependsOn: ['deploy'] },
          ),
        },
      },
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('awaiting_approval');
    expect((await harness.node('Build')).status).toBe('completed');
    expect((await harness.node('Deploy')).status).toBe('awaiting_approval');
    expect((await harness.node('Announce')).status).toBe('pending');
    expect(harness.callsFor('executor', 'Deploy')).toEqual([]);
    expect(harness.callsFor('executor', 'Announce')).toEqual([]);
  });

  it('applies an approval made by another process while it runs', async () => {
    harness = await createHarness({
      store,
      waitForApprovals: true,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks({ key: 'deploy', title: 'Deploy', requiresApproval: true }),
        },
      },
    });
    const driving = harness.drive();
    const other = await harness.openSecondStore();
    let node = await other.getNode(harness.runId, '1');
    while (node?.status !== 'awaiting_approval') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      node = await other.getNode(harness.runId, '1');
    }
    const at = new Date().toISOString();
    expect(
      (
        await other.recordDecision(harness.runId, '1', {
          action: 'approve',
          comment: null,
          description: null,
          by: 'ana',
          at,
          round: 1,
        })
      ).success,
    ).toBe(true);
    await other.close();
    expect((await driving).status).toBe('completed');
    const deploy = await harness.node('Deploy');
    expect(deploy.approval?.decision).toMatchObject({ action: 'approve', by: 'ana' });
  });

  it('skips a rejected node and lets its dependents run without it', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks(
            { key: 'deploy', title: 'Deploy', requiresApproval: true },
            { key: 'report', title: 'Report', dependsOn: ['deploy'] },
          ),
        },
      },
    });
    await harness.drive();
    const at = new Date().toISOString();
    await harness.store.recordDecision(harness.runId, '1', {
      action: 'reject',
      comment: 'not this week',
      description: null,
      by: 'ana',
      at,
      round: 1,
    });
    expect((await harness.drive()).status).toBe('completed');
    const deploy = await harness.node('Deploy');
    expect(deploy.status).toBe('skipped');
    expect(deploy.error?.message).toContain('not this week');
    expect((await harness.node('Report')).status).toBe('completed');
    expect(harness.callsFor('executor', 'Deploy')).toEqual([]);
  });

  it('runs an edited description instead of the planned one', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks({ key: 'deploy', title: 'Deploy', requiresApproval: true }),
        },
      },
    });
    await harness.drive();
    const at = new Date().toISOString();
    await harness.store.recordDecision(harness.runId, '1', {
      action: 'edit',
      comment: null,
      description: 'Deploy to staging only',
      by: 'ana',
      at,
      round: 1,
    });
    await harness.drive();
    expect(userText(harness.callsFor('executor', 'Deploy')[0]!)).toContain('Deploy to staging only');
  });

  it('flags nodes for approval by the policies in the agent files', async () => {
    harness = await createHarness({
      store,
      script: {
        defaults: {
          ...passingDefaults,
          planner: tasks({ key: 'ship', title: 'Deploy the API to production' }),
        },
      },
    });
    expect((await harness.drive()).status).toBe('awaiting_approval');
    const node = await harness.node('Deploy the API to production');
    expect(node.approval?.reason).toContain('production');
  });
});
