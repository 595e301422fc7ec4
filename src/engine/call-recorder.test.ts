import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, passingDefaults, tasks, type Harness } from '../../test/support/engine-harness.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe.each(storesUnderTest())('model calls on the %s store', (store) => {
  it('stores the prompt each role was sent and its answer, per node, in order', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'checker', title: '^API$', attempt: 1, respond: { verdict: 'fail', feedback: 'no tests' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a', title: 'Model' }, { key: 'b', title: 'API' }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');

    const all = await harness.store.listCalls(harness.runId);
    expect(all).toHaveLength(harness.calls.length);
    const root = await harness.store.listCalls(harness.runId, '0');
    expect(root.map((call) => call.role)).toEqual(['planner', 'sequencer']);
    expect(root[0]!.system).toBe(harness.calls.find((call) => call.role === 'planner')!.request.system);
    expect(JSON.parse(root[0]!.answer!)).toMatchObject({ tasks: [{ key: 'a' }, { key: 'b' }] });
    expect(root[0]).toMatchObject({ finishReason: 'complete', error: null, attempt: 1, runId: harness.runId });
    expect(root[0]!.usage).not.toBeNull();

    const api = await harness.node('API');
    const apiCalls = await harness.store.listCalls(harness.runId, api.id);
    expect(apiCalls.map((call) => `${call.role}#${call.attempt}`)).toEqual(['executor#1', 'checker#1', 'executor#2', 'checker#2']);
    expect(apiCalls[1]!.answer).toContain('no tests');
    // The second executor prompt carries the checker's feedback.
    expect(apiCalls[2]!.messages.map((message) => message.content).join('\n')).toContain('no tests');
    for (const call of apiCalls) expect(call.startedAt <= call.endedAt).toBe(true);
  });

  it('stores a failed call with its error and no answer', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'executor', error: { status: 400, message: 'bad request' } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a', title: 'Model' }) },
      },
    });
    await harness.drive();
    const model = await harness.node('Model');
    const [call] = await harness.store.listCalls(harness.runId, model.id);
    expect(call).toMatchObject({ role: 'executor', answer: null, finishReason: null, usage: null });
    expect(call!.error).toMatch(/400|bad request/);
  });

  it('stores which provider and model answered and how many provider faults were retried', async () => {
    harness = await createHarness({
      store,
      script: {
        rules: [{ role: 'executor', times: 2, error: { status: 429, retryAfterMs: 1 } }],
        defaults: { ...passingDefaults, planner: tasks({ key: 'a', title: 'Model' }) },
      },
    });
    expect((await harness.drive()).status).toBe('completed');
    const model = await harness.node('Model');
    const [executor] = await harness.store.listCalls(harness.runId, model.id);
    expect(executor).toMatchObject({ role: 'executor', provider: 'script', model: 'test script', retries: 2, error: null });
    const [planner] = await harness.store.listCalls(harness.runId, '0');
    expect(planner).toMatchObject({ role: 'planner', retries: 0 });
  });
});
