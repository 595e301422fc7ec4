import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRun,
  getTree,
  recordDecision,
  resumeRun,
  runWorker,
  startRun,
  type TreeNode,
} from '../../src/api/index.js';
import type { Store } from '../../src/store/index.js';
import { makeTempDir, repoRoot } from '../support/cli.js';
import { harnessStorage, type HarnessStorage } from '../support/harness-storage.js';
import { storesUnderTest } from '../support/stores-under-test.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'plans');
const llm = `script:${path.join(fixtures, 'demo.script.yaml')}`;
const demoPlan = path.join(fixtures, 'demo.plan.yaml');

const flat = (node: TreeNode): TreeNode[] => [node, ...node.children.flatMap(flat)];
const child = (node: TreeNode, key: string): TreeNode => {
  const found = node.children.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no child ${key} under ${node.id}`);
  return found;
};

/** What the demo plan's tree must look like once it is done, whatever store and processes worked it. */
function expectDemoTree(root: TreeNode): void {
  expect(root.children.map((node) => [node.key, node.status])).toEqual([
    ['a', 'completed'],
    ['b', 'completed'],
    ['c', 'completed'],
    ['strict-check', 'skipped'],
    ['build', 'completed'],
    ['docs', 'completed'],
  ]);
  expect(child(root, 'c').description).toBe('Join A-output {{params.target}} with Write B');
  expect(child(root, 'build').children.map((node) => [node.key, node.status])).toEqual([
    ['x', 'completed'],
    ['y', 'completed'],
  ]);
  expect(child(root, 'build').calls).toMatchObject({ planner: 1, executor: 1 });
  expect(child(child(root, 'docs'), 'd2').description).toBe('After Docs part 1');
  // Written levels are not planned by a model; each leaf was executed and checked exactly once.
  expect(root.calls.planner + child(root, 'docs').calls.planner).toBe(0);
  for (const node of flat(root).filter(
    (candidate) => candidate.children.length === 0 && candidate.status === 'completed',
  ))
    expect([node.key ?? node.title, node.calls.executor, node.calls.checker]).toEqual([
      node.key ?? node.title,
      1,
      1,
    ]);
}

describe.each(storesUnderTest())('written plans on the %s store', (kind) => {
  let dir: string;
  let storage: HarnessStorage;
  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await storage.open();
    opened.push(store);
    return store;
  };
  beforeEach(async () => {
    dir = await makeTempDir();
    storage = await harnessStorage(kind, dir);
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await storage.remove();
  });

  it('runs the shipped release checklist: production waits for a person, then the announcement follows', async () => {
    const store = await open();
    const handle = await startRun({
      store,
      llm,
      plan: path.join(repoRoot, 'plans', 'release-checklist.yaml'),
      params: { version: '2.0.0' },
      outDir: path.join(dir, 'out'),
      waitForApprovals: false,
    });
    expect((await handle.done).status).toBe('awaiting_approval');
    expect(handle.approvals().map((approval) => [approval.title, approval.reason])).toEqual([
      ['Deploy to production', 'Customers see this release at once'],
    ]);
    const gate = handle.approvals()[0]!;
    const resumed = await resumeRun({ store: await open(), runId: handle.runId });
    await resumed.decide(gate.nodeId, { action: 'approve', by: 'test' });
    expect((await resumed.done).status).toBe('completed');
    const { root } = await getTree(store, handle.runId);
    expect(root.children.map((node) => [node.key, node.status])).toEqual([
      ['verify', 'completed'],
      ['notes', 'completed'],
      ['staging', 'completed'],
      ['rollback', 'skipped'],
      ['production', 'completed'],
      ['announce', 'completed'],
    ]);
    expect(child(root, 'staging').description).toBe(
      'Deploy 2.0.0 to staging and report the smoke checks that were run and their outcome.',
    );
    expect(child(root, 'verify').children.map((node) => node.key)).toEqual([
      'tests',
      'changelog',
      'dependencies',
    ]);
    expect((await store.getRun(handle.runId))?.plan).toMatchObject({
      name: 'release-checklist',
      params: { version: '2.0.0' },
    });
  });

  // Workers share runs through MongoDB only.
  if (kind === 'mongodb')
    it('leaves a plan run to two workers, who build the written tree, decompose the auto step and skip the false condition', async () => {
      const ready = await createRun({ store: await open(), llm, plan: demoPlan, params: { target: 'prod' } });
      ready.leave();
      const runId = ready.run.id;
      const calls: string[] = [];
      const worker = async (id: string): Promise<void> => {
        const store = await open();
        await runWorker({
          store,
          id,
          roles: ['planner', 'sequencer', 'executor', 'checker'],
          concurrency: 2,
          leaseMs: 5_000,
          runId,
          llm: null,
          outDir: path.join(dir, 'out'),
          graceMs: 1_000,
          print: () => undefined,
          onEvent: (_run, event) => {
            if (event.type === 'call-start') calls.push(`${event.node.id}/${event.role}/${event.attempt}`);
          },
          stopped: new Promise<string>(() => undefined),
          pollMs: 20,
        });
      };
      await Promise.all([worker('w1'), worker('w2')]);
      const store = await open();
      expect((await store.getRun(runId))?.status).toBe('completed');
      const { root } = await getTree(store, runId);
      expectDemoTree(root);
      // Between them, the workers made each call of the tree once: none twice, none the tree does not count.
      expect(new Set(calls).size).toBe(calls.length);
      const counted = flat(root).reduce(
        (sum, node) =>
          sum + node.calls.planner + node.calls.sequencer + node.calls.executor + node.calls.checker,
        0,
      );
      expect(calls.length).toBe(counted);
    });

  it('refuses a decision on a written step that does not wait, and leaves the run as it was', async () => {
    const store = await open();
    const handle = await startRun({
      store,
      llm,
      plan: demoPlan,
      params: { target: 'dev' },
      outDir: path.join(dir, 'out'),
    });
    expect((await handle.done).status).toBe('completed');
    const { root } = await getTree(store, handle.runId);
    expectDemoTree(root);
    await expect(
      recordDecision(store, handle.runId, child(root, 'a').id, { action: 'approve', by: 'test' }),
    ).rejects.toThrow(/not waiting|does not wait|is completed/);
    expect((await getTree(store, handle.runId)).root.children.map((node) => node.status)).toEqual(
      root.children.map((node) => node.status),
    );
  });
});
