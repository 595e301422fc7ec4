import { describe, expect, it } from 'vitest';
import { createHarness } from '../../test/support/engine-harness.js';
import type { TaskNode } from '../domain/index.js';
import { checkPlanText } from '../plans/index.js';

/** A checked plan, as `createRun` takes it. */
function planOf(text: string) {
  const checked = checkPlanText(text, { params: {} });
  if (!checked.success) throw new Error(JSON.stringify(checked.error));
  const { plan, params } = checked.value;
  return { run: { name: plan.name, version: String(plan.version), source: null, params }, steps: plan.steps };
}

const complete = {
  action: 'complete',
  result: { summary: 'done: {{node.title}}', output: '{{node.title}} output' },
};
const defaults = { sequencer: 'auto', executor: complete, checker: { verdict: 'pass', feedback: '' } };

function byKey(nodes: readonly TaskNode[], key: string): TaskNode {
  const found = nodes.find((node) => node.key === key);
  if (!found) throw new Error(`no node ${key}`);
  return found;
}

describe('a written plan in the engine', () => {
  it('runs a diamond of dependencies with its parallel group at once, and an auto step decomposed beside its written siblings', async () => {
    const harness = await createHarness({
      script: {
        rules: [
          { role: 'executor', title: '^(Left|Right)', delayMs: 100, respond: complete },
          { role: 'executor', title: '^Research', respond: { action: 'decompose', reason: 'big' } },
          {
            role: 'planner',
            title: '^Research',
            respond: {
              tasks: [
                { key: 'r1', title: 'Read papers', description: 'r1' },
                { key: 'r2', title: 'Summarize', description: 'r2', dependsOn: ['r1'] },
              ],
            },
          },
        ],
        defaults,
      },
      plan: planOf(`name: diamond
steps:
  - { key: top, title: Top }
  - { key: left, title: Left, dependsOn: [top] }
  - { key: right, title: Right, dependsOn: [top] }
  - { key: bottom, title: Bottom, dependsOn: [left, right], prompt: "{{steps.left.result}} + {{steps.right.result}}" }
  - { key: research, title: Research the field, plan: auto }
`),
    });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('completed');
    const nodes = await harness.store.listNodes(harness.runId);
    const root = nodes.find((node) => node.parentId === null)!;
    expect(root.pipeline.sequence).toBeNull();
    const left = harness.calls.find((call) => call.title === 'Left')!;
    const right = harness.calls.find((call) => call.title === 'Right')!;
    // The parallel group: the second of the two started while the first was in flight.
    expect(Math.max(left.inFlight, right.inFlight)).toBeGreaterThanOrEqual(2);
    expect(byKey(nodes, 'left').group).toBe(byKey(nodes, 'right').group);
    expect(byKey(nodes, 'bottom').description).toBe('Left output + Right output');
    expect(harness.calls.filter((call) => call.role === 'planner').map((call) => call.title)).toEqual([
      'Research the field',
    ]);
    expect(harness.calls.filter((call) => call.role === 'sequencer').map((call) => call.title)).toEqual([
      'Research the field',
    ]);
    const research = byKey(nodes, 'research');
    expect(
      nodes.filter((node) => node.parentId === research.id).map((node) => [node.title, node.status]),
    ).toEqual([
      ['Read papers', 'completed'],
      ['Summarize', 'completed'],
    ]);
  });

  it.each([
    ['fixed', [100, 100, 100]],
    ['linear', [100, 200, 300]],
    ['exponential', [100, 200, 400]],
  ] as const)(
    'retries a failing step with %s backoff, waiting through the injected clock',
    async (backoff, waits) => {
      const slept: number[] = [];
      const harness = await createHarness({
        script: {
          rules: [{ role: 'executor', title: '^Flaky', respond: { action: 'decompose', reason: 'too big' } }],
          defaults,
        },
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
        plan: planOf(`name: retry
steps:
  - key: flaky
    title: Flaky step
    retry: { attempts: 4, backoff: ${backoff}, delayMs: 100 }
`),
      });
      await harness.drive();
      expect(slept).toEqual(waits);
      const flaky = byKey(await harness.store.listNodes(harness.runId), 'flaky');
      expect(flaky).toMatchObject({ status: 'failed', tries: 4, error: { kind: 'model' } });
      // Each try is the executor asked, and re-asked once with the refusal.
      expect(flaky.calls.executor).toBe(8);
    },
  );

  it('decides again, when a resume reopens a failed step, for the steps whose condition skipped them on its failure', async () => {
    const harness = await createHarness({
      script: {
        // Deploy's first call and its re-ask answer no JSON: it fails.
        rules: [1, 2].map((attempt) => ({ role: 'executor', title: '^Deploy$', attempt, raw: 'not JSON' })),
        defaults,
      },
      plan: planOf(`name: deploy
steps:
  - { key: deploy, title: Deploy }
  - { key: announce, title: Announce, dependsOn: [deploy], when: { status: { step: deploy, is: completed } } }
  - { key: page, title: Page someone, dependsOn: [deploy], when: { status: { step: deploy, is: failed } } }
`),
    });
    try {
      expect((await harness.drive()).status).toBe('failed');
      let nodes = await harness.store.listNodes(harness.runId);
      expect(byKey(nodes, 'announce')).toMatchObject({ status: 'skipped', error: { kind: 'condition' } });
      expect(byKey(nodes, 'page').status).toBe('completed');

      expect((await harness.drive({ reopenFailed: true })).status).toBe('completed');
      nodes = await harness.store.listNodes(harness.runId);
      expect(byKey(nodes, 'deploy').status).toBe('completed');
      expect(byKey(nodes, 'announce').status).toBe('completed');
      // What ran on the failure stays done: it is not run again.
      expect(byKey(nodes, 'page').status).toBe('completed');
      expect(
        harness.calls.filter((call) => call.title === 'Page someone' && call.role === 'executor'),
      ).toHaveLength(1);
    } finally {
      await harness.cleanup();
    }
  });

  it('completes a step on a later try, and fails a try that runs out of time', async () => {
    const harness = await createHarness({
      script: {
        rules: [
          {
            role: 'executor',
            title: '^Sometimes',
            attempt: 1,
            respond: { action: 'decompose', reason: 'x' },
          },
          {
            role: 'executor',
            title: '^Sometimes',
            attempt: 2,
            respond: { action: 'decompose', reason: 'x' },
          },
          { role: 'executor', title: '^Slow', delayMs: 2000, respond: complete },
        ],
        defaults,
      },
      sleep: () => Promise.resolve(),
      plan: planOf(`name: later
steps:
  - { key: sometimes, title: Sometimes works, retry: { attempts: 2 } }
  - { key: slow, title: Slow step, timeoutMs: 50 }
`),
    });
    await harness.drive();
    const nodes = await harness.store.listNodes(harness.runId);
    expect(byKey(nodes, 'sometimes')).toMatchObject({ status: 'completed', tries: 2 });
    expect(byKey(nodes, 'slow')).toMatchObject({
      status: 'failed',
      error: { kind: 'timeout', message: "the try took longer than the step's timeoutMs (50 ms)" },
    });
    // The call that ran out of time was aborted, not left running.
    const slow = byKey(nodes, 'slow');
    const [call] = await harness.store.listCalls(harness.runId, slow.id);
    expect(call?.error).toMatch(/abort|timed out/i);
  });
});
