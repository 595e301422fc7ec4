import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, passingDefaults, tasks, type Harness } from '../../test/support/engine-harness.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

const fiveTasks = tasks({ key: 'a' }, { key: 'b' }, { key: 'c' }, { key: 'd' }, { key: 'e' });

describe.each(storesUnderTest())('run engine budgets on the %s store', (store) => {
  it('stops new work at the LLM-call limit, names it, and finishes on resume without redoing anything', async () => {
    // planner, sequencer, five executors, then two checks fit; the third check does not.
    harness = await createHarness({ store, limits: { maxCalls: 9, concurrency: 1 }, script: { defaults: { ...passingDefaults, planner: fiveTasks } } });
    const stopped = await harness.drive();
    expect(stopped.status).toBe('failed');
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxCalls' });
    expect(stopped.stopReason?.message).toBe('the run reached its limit of 9 LLM calls (raise it with --max-calls)');
    expect(harness.calls).toHaveLength(9);
    const nodes = await harness.nodes();
    expect(nodes.some((node) => node.status === 'running')).toBe(false);
    const completedBefore = nodes.filter((node) => node.status === 'completed').map((node) => node.title);
    expect(completedBefore.length).toBeGreaterThan(0);

    const callsBefore = harness.calls.length;
    const resumed = await harness.drive({ limits: { maxCalls: 100 } });
    expect(resumed.status).toBe('completed');
    const later = harness.calls.slice(callsBefore);
    expect(later.filter((call) => completedBefore.includes(call.title))).toEqual([]);
    expect(later.filter((call) => call.role === 'planner')).toEqual([]);
  });

  it('stops at the node limit with the plan kept, and resumes with a higher limit without asking the planner again', async () => {
    harness = await createHarness({ store, limits: { maxNodes: 4 }, script: { defaults: { ...passingDefaults, planner: fiveTasks } } });
    const stopped = await harness.drive();
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxNodes' });
    expect(stopped.stopReason?.message).toBe('the run reached its limit of 4 nodes (raise it with --max-nodes)');
    expect(await harness.nodes()).toHaveLength(1);
    expect((await harness.nodes())[0]!.pipeline.plan?.tasks).toHaveLength(5);

    expect((await harness.drive({ limits: { maxNodes: 10 } })).status).toBe('completed');
    expect(harness.calls.filter((call) => call.role === 'planner')).toHaveLength(1);
    expect(await harness.nodes()).toHaveLength(6);
  });

  it('stops at the token limit while calls run in parallel, overshooting by at most the calls in flight', async () => {
    harness = await createHarness({
      store,
      limits: { maxTokens: 1500, concurrency: 2 },
      script: { rules: [{ role: 'executor', delayMs: 20, respond: passingDefaults.executor }], defaults: { ...passingDefaults, planner: fiveTasks } },
    });
    const stopped = await harness.drive();
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxTokens' });
    expect(stopped.stopReason?.message).toMatch(/^the run reached its limit of 1500 tokens, having used \d+ \(raise it with --max-tokens\)$/);
    const used = stopped.run.usage.inputTokens + stopped.run.usage.outputTokens;
    expect(used).toBeGreaterThanOrEqual(1500);
    const largestCall = Math.max(...harness.events.flatMap((event) => (event.type === 'call-end' && event.usage ? [event.usage.inputTokens + event.usage.outputTokens] : [])));
    expect(used).toBeLessThan(1500 + 2 * largestCall);
    expect((await harness.drive({ limits: { maxTokens: 1_000_000 } })).status).toBe('completed');
  });

  it('refuses a decompose at the maximum depth and tells the executor why', async () => {
    harness = await createHarness({
      store,
      limits: { maxDepth: 1 },
      script: {
        rules: [{ role: 'executor', title: '^big$', attempt: 1, respond: { action: 'decompose', reason: 'too big' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'big' }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');
    const [first, second] = harness.callsFor('executor', 'big');
    expect(first!.request.messages[0]!.content).toContain('maximum depth (1)');
    expect(second!.request.messages.at(-1)!.content).toContain('decomposition refused');
    expect(await harness.nodes()).toHaveLength(2);
  });

  it('fails the node with a clear reason when the executor insists on decomposing at the maximum depth', async () => {
    harness = await createHarness({
      store,
      limits: { maxDepth: 1 },
      script: {
        rules: [{ role: 'executor', title: '^big$', respond: { action: 'decompose', reason: 'too big' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'big' }, { key: 'small' }) },
      },
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('failed');
    const big = await harness.node('big');
    expect(big.status).toBe('failed');
    const depthLimit = 'the tree may not grow deeper than 1 levels (raise it with --max-depth)';
    expect(big.error).toEqual({
      kind: 'budget',
      message: `the executor still decomposed the task after 2 tries, but ${depthLimit}`,
      limit: { budget: 'maxDepth', message: depthLimit },
    });
    expect((await harness.node('small')).status).toBe('completed');
    expect(outcome.stopReason).toEqual({
      kind: 'budget',
      budget: 'maxDepth',
      message: `subtask 1 "big" failed: ${depthLimit}`,
    });
  });

  it('ends a runaway decomposition at the depth limit naming --max-depth on every level, and grows deeper on resume with a higher limit', async () => {
    harness = await createHarness({
      store,
      limits: { maxDepth: 2 },
      script: {
        defaults: {
          ...passingDefaults,
          planner: { tasks: [{ key: 'a', title: '{{node.title}}/a', description: 'part of {{node.title}}' }] },
          executor: { action: 'decompose', reason: 'too big' },
        },
      },
    });
    const stopped = await harness.drive();
    const depthLimit = 'the tree may not grow deeper than 2 levels (raise it with --max-depth)';
    expect(stopped.status).toBe('failed');
    expect(stopped.stopReason).toEqual({
      kind: 'budget',
      budget: 'maxDepth',
      message: `subtask 1 "Build a todo app/a" failed: ${depthLimit}`,
    });
    // Stored, so `arbor tree` shows it after the run ended.
    expect(stopped.run.stopReason?.message).toContain('--max-depth');
    const nodes = await harness.nodes();
    expect(nodes.map((node) => [node.depth, node.status, node.error?.kind, node.error?.limit?.budget])).toEqual([
      [0, 'failed', 'dependency', 'maxDepth'],
      [1, 'failed', 'dependency', 'maxDepth'],
      [2, 'failed', 'budget', 'maxDepth'],
    ]);
    expect(nodes[1]!.error?.message).toBe(`subtask 1.1 "Build a todo app/a/a" failed: ${depthLimit}`);

    const resumed = await harness.drive({ limits: { maxDepth: 3 }, reopenFailed: true });
    expect(resumed.stopReason).toMatchObject({ kind: 'budget', budget: 'maxDepth' });
    expect(resumed.stopReason?.message).toContain('deeper than 3 levels (raise it with --max-depth)');
    expect((await harness.nodes()).map((node) => node.depth)).toEqual([0, 1, 2, 3]);
  });

  it('names the depth limit as what stopped the run even when another subtask failed first for another reason', async () => {
    harness = await createHarness({
      store,
      limits: { maxDepth: 1 },
      script: {
        rules: [
          { role: 'executor', title: '^broken$', raw: 'not JSON' },
          { role: 'executor', title: '^big$', respond: { action: 'decompose', reason: 'too big' } },
        ],
        defaults: { ...passingDefaults, planner: tasks({ key: 'broken' }, { key: 'big' }) },
      },
    });
    const outcome = await harness.drive();
    expect((await harness.node('broken')).error?.kind).toBe('model');
    expect(outcome.stopReason).toMatchObject({ kind: 'budget', budget: 'maxDepth' });
    expect(outcome.stopReason?.message).toMatch(/^subtask 2 "big" failed: .*--max-depth/);
  });
});

describe.each(storesUnderTest())('run engine answers on the %s store', (store) => {
  it('re-asks the planner once with the validation error and uses the corrected plan', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'planner', attempt: 1, raw: 'this is not JSON' }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');
    const planner = harness.calls.filter((call) => call.role === 'planner');
    expect(planner).toHaveLength(2);
    expect(planner[1]!.request.messages.at(-1)!.content).toContain('not valid JSON');
    expect((await harness.nodes())[0]!.calls.planner).toBe(2);
  });

  it('fails the node when an answer is still invalid after the re-ask, naming the problem', async () => {
    harness = await createHarness({
      store,
      script: { rules: [{ role: 'planner', respond: { tasks: [{ key: 'a', title: 'A', description: 'x', dependsOn: ['ghost'] }] } }], defaults: passingDefaults },
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('failed');
    const root = (await harness.nodes())[0]!;
    expect(root.status).toBe('failed');
    expect(root.error?.message).toContain('the planner gave no valid answer in 2 tries');
    expect(root.error?.message).toContain('depends on unknown key "ghost"');
  });

  it('derives the order from the dependencies when the sequencer answers invalidly twice, and says so', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'sequencer', respond: { groups: [['a']], dependsOn: [], integration: [], rationale: 'forgot b' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }, { key: 'b', dependsOn: ['a'] }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');
    expect(harness.calls.filter((call) => call.role === 'sequencer')).toHaveLength(2);
    const fallback = harness.events.find((event) => event.type === 'sequence-fallback');
    expect(fallback && 'reason' in fallback ? fallback.reason : '').toContain('tasks missing from the groups: "b"');
    const nodes = await harness.nodes();
    expect(nodes.map((node) => [node.key, node.group, node.dependsOn])).toEqual([
      ['root', null, []],
      ['a', 0, []],
      ['b', 1, ['1']],
    ]);
  });

  it('uses the sequencer’s extra dependencies and integration steps', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'sequencer', respond: { groups: [['a', 'b'], ['join']], dependsOn: [{ key: 'join', on: ['a', 'b'] }], integration: ['join'], rationale: 'join last' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a' }, { key: 'b' }, { key: 'join' }) },
      },
    });
    await harness.drive();
    const join = await harness.node('join');
    expect(join.dependsOn).toEqual(['1', '2']);
    expect(join.integration).toBe(true);
    expect(join.group).toBe(1);
  });

  it('counts on resume everything the nodes spent, even when the run total lagged behind a crash', async () => {
    harness = await createHarness({ store, limits: { maxCalls: 4 }, script: { defaults: { ...passingDefaults, planner: fiveTasks } } });
    await harness.drive();
    // As if the process died before its once-a-second flush of the run's totals.
    await harness.store.updateRun(harness.runId, { usage: { calls: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0 } });
    const finished = await harness.drive({ limits: { maxCalls: 100 } });
    expect(finished.status).toBe('completed');
    const spent = (await harness.nodes()).reduce((calls, node) => calls + node.usage.calls, 0);
    expect(finished.run.usage.calls).toBe(harness.calls.length);
    expect(spent).toBe(harness.calls.length);
  });

  it('continues an in-flight node from its stored answer instead of asking again (write before act)', async () => {
    harness = await createHarness({ store, limits: { maxCalls: 2 }, script: { defaults: { ...passingDefaults, planner: tasks({ key: 'a' }) } } });
    await harness.drive();
    const [, node] = await harness.nodes();
    // As if the process died right after the executor's answer was stored.
    const execution = { action: 'complete' as const, reason: null, result: { summary: 'stored', output: '', artifacts: [] } };
    await harness.store.updateNode({
      runId: harness.runId,
      nodeId: node!.id,
      expectedVersion: node!.version,
      patch: { status: 'running', version: node!.version + 1, pipeline: { execution, plan: null, sequence: null } },
    });
    await harness.reopenStore();
    expect((await harness.drive({ limits: { maxCalls: 10 } })).status).toBe('completed');
    expect(harness.callsFor('executor', 'a')).toEqual([]);
    expect(harness.callsFor('checker', 'a')).toHaveLength(1);
    expect((await harness.node('a')).result?.summary).toBe('stored');
  });
});
