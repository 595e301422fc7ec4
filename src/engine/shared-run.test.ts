import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, passingDefaults, tasks, type Harness } from '../../test/support/engine-harness.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';
import type { Store } from '../store/index.js';
import { nextRole, SharedRun } from './shared-run.js';
import { TreeState } from './tree-state.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

/** Root → 3 tasks; each depth-1 task decomposes into 3 leaves: 13 nodes. */
const treeScript = {
  delayMs: 15,
  rules: [
    { role: 'executor', depth: 1, respond: { action: 'decompose', reason: 'too big' } },
    {
      role: 'planner',
      depth: 1,
      respond: tasks({ key: 'x', title: '{{node.title}}/x' }, { key: 'y', title: '{{node.title}}/y', dependsOn: ['x'] }, { key: 'z', title: '{{node.title}}/z' }),
    },
  ],
  defaults: { ...passingDefaults, planner: tasks({ key: 'a', title: 'A' }, { key: 'b', title: 'B' }, { key: 'c', title: 'C', dependsOn: ['a'] }) },
};

describe.each(storesUnderTest())('workers sharing a run on the %s store', (store) => {
  it('complete the run together, calling each agent once per node and recording who ran what', async () => {
    harness = await createHarness({ store, script: treeScript });
    const outcomes = await harness.driveShared([
      { id: 'w1', concurrency: 2 },
      { id: 'w2', concurrency: 2 },
      { id: 'w3', concurrency: 2 },
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['completed', 'completed', 'completed']);
    const nodes = await harness.nodes();
    expect(nodes).toHaveLength(13);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    const keys = harness.calls.map((call) => `${call.role}:${call.nodeId}:${call.attempt}`);
    expect(keys.length).toBe(new Set(keys).size);
    expect(new Set(nodes.flatMap((node) => (node.worker ? [node.worker] : []))).size).toBeGreaterThanOrEqual(2);
    expect((await harness.store.getRun(harness.runId))?.usage.calls).toBe(harness.calls.length);
  });

  it('checks a node in the claim that ran it: no claim write of its own, and the same worker', async () => {
    harness = await createHarness({ store, script: treeScript });
    await harness.driveShared([
      { id: 'w1', concurrency: 2 },
      { id: 'w2', concurrency: 2 },
    ]);
    const leaves = (await harness.nodes()).filter((node) => node.depth === 2);
    expect(leaves).toHaveLength(9);
    // Created (ready or pending) → ready → running → checking → completed: one version per step.
    for (const leaf of leaves) expect([leaf.id, leaf.version]).toEqual([leaf.id, leaf.dependsOn.length > 0 ? 4 : 3]);
    const events = await harness.store.listEvents(harness.runId);
    for (const leaf of leaves) {
      const actors = events.filter((event) => event.nodeId === leaf.id && (event.type === 'submit' || event.type === 'pass'));
      expect(new Set(actors.map((event) => event.actor)).size).toBe(1);
    }
  });

  it('hands a node to a worker that runs the agent it needs next', async () => {
    harness = await createHarness({ store, script: treeScript });
    const outcomes = await harness.driveShared([
      { id: 'planning', roles: ['planner', 'sequencer'] },
      { id: 'doing', roles: ['executor', 'checker'] },
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['completed', 'completed']);
    const ran = (role: string) => new Set(harness!.calls.filter((call) => call.role === role).map((call) => call.nodeId));
    expect(ran('planner').size).toBe(4);
    const events = harness.events.filter((event) => event.type === 'node-transition' && event.event.type === 'pause');
    expect(events.length).toBeGreaterThan(0);
  });

  it('stops new calls at the call budget across workers', async () => {
    harness = await createHarness({ store, script: treeScript, limits: { maxCalls: 6 } });
    const outcomes = await harness.driveShared([{ id: 'w1' }, { id: 'w2' }]);
    expect(outcomes.some((outcome) => outcome.stopReason?.kind === 'budget')).toBe(true);
    expect(harness.calls.length).toBeLessThanOrEqual(6);
    const run = await harness.store.getRun(harness.runId);
    expect(run).toMatchObject({ status: 'failed', stopReason: { kind: 'budget', budget: 'maxCalls' } });
  });
});

describe('SharedRun', () => {
  /** Reads of what changed in 500 ms by a worker of capacity 1 that holds `held` nodes. */
  async function readsIn500ms(held: number): Promise<number> {
    let reads = 0;
    const store = {
      listNodesUpdatedSince: () => (reads++, Promise.resolve([])),
      getRun: () => Promise.resolve(null),
    } as unknown as Store;
    const sharing = new SharedRun(
      { workerId: 'w', leaseMs: 60_000, refreshMs: 50 },
      {
        store,
        runId: 'r',
        tree: new TreeState(),
        capacity: 1,
        changed: () => undefined,
        kick: () => undefined,
        priorityOf: () => 0,
        reclaim: () => Promise.resolve(),
        runRead: () => undefined,
        failed: (error) => {
          throw error;
        },
      },
    );
    if (held > 0) expect(sharing.tryClaim({ id: 'n', status: 'ready', parentId: '0', pipeline: { execution: null } } as never)).toBe(true);
    sharing.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sharing.stop();
    return reads;
  }

  it('reads what other workers changed more often while it has room for more nodes', async () => {
    // Every 50 ms when full (at most 10 reads), every 20 ms with room.
    const withRoom = await readsIn500ms(0);
    const full = await readsIn500ms(1);
    expect(full).toBeLessThanOrEqual(10);
    expect(withRoom).toBeGreaterThan(full * 1.5);
  });
});

describe('nextRole', () => {
  it('names the agent each step of the pipeline calls', () => {
    const base = { status: 'ready', parentId: '0', pipeline: { execution: null, plan: null, sequence: null } } as const;
    expect(nextRole({ ...base } as never)).toBe('executor');
    expect(nextRole({ ...base, parentId: null } as never)).toBe('planner');
    expect(nextRole({ ...base, status: 'checking' } as never)).toBe('checker');
    const decompose = { action: 'decompose', reason: 'big', result: null };
    expect(nextRole({ ...base, pipeline: { execution: decompose, plan: null, sequence: null } } as never)).toBe('planner');
    expect(nextRole({ ...base, pipeline: { execution: decompose, plan: { tasks: [] }, sequence: null } } as never)).toBe('sequencer');
  });
});
