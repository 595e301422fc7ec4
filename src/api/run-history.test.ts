import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir } from '../../test/support/cli.js';
import { harnessStorage } from '../../test/support/harness-storage.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';
import { NotFoundError, StateConflictError, UsageError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { runHistory } from './run-history.js';
import { resumeRun, startRun } from './runs.js';
import { threeLeavesScript as script } from '../../test/support/three-leaves-script.js';

async function completedRun(store: Store, dir: string) {
  const file = path.join(dir, 'script.json');
  await writeFile(file, JSON.stringify(script));
  const llm = `script:${file}`;
  const handle = await startRun({ store, prompt: 'Build a todo app', llm, outDir: path.join(dir, 'out') });
  expect((await handle.done).status).toBe('completed');
  return { runId: handle.runId, llm };
}

/** Calls per node id in the run's stored call log. */
async function callsPerNode(store: Store, runId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const call of await store.listCalls(runId)) counts[call.nodeId] = (counts[call.nodeId] ?? 0) + 1;
  return counts;
}

describe.each(storesUnderTest())('run history and resume --from-node on the %s store', (kind) => {
  async function openTestStore() {
    const dir = await makeTempDir();
    const storage = await harnessStorage(kind, dir);
    const store = await storage.open();
    onTestFinished(async () => {
      await store.close();
      await storage.remove();
    });
    return { dir, store };
  }

  it('numbers the stored transitions 1..N in order, and keeps the numbers for one node', async () => {
    const { dir, store } = await openTestStore();
    const { runId } = await completedRun(store, dir);
    const events = await store.listEvents(runId);
    const history = await runHistory(store, runId);
    expect(history.nodeId).toBeNull();
    expect(history.checkpoints.map((point) => point.number)).toEqual(events.map((_, index) => index + 1));
    expect(history.checkpoints.map((point) => [point.nodeId, point.type, point.from, point.to])).toEqual(
      events.map((event) => [event.nodeId, event.type, event.from, event.to]),
    );
    expect(history.checkpoints[0]).toMatchObject({
      nodeId: '0',
      type: 'start',
      from: 'ready',
      to: 'running',
      title: 'Build a todo app',
      path: [],
    });
    const api = await runHistory(store, runId, { nodeId: '2' });
    expect(api.checkpoints.map((point) => point.type)).toEqual([
      'create',
      'deps-met',
      'start',
      'submit',
      'pass',
    ]);
    expect(api.checkpoints.every((point) => point.path.join('/') === 'API' && point.title === 'API')).toBe(
      true,
    );
    // Numbers are the run's: the same checkpoint has the same number in both listings.
    for (const point of api.checkpoints) expect(history.checkpoints[point.number - 1]).toEqual(point);

    await expect(runHistory(store, 'r-nope')).rejects.toThrow(NotFoundError);
    await expect(runHistory(store, runId, { nodeId: '9' })).rejects.toThrow(/has no node "9"/);
  });

  it('redoes a node and its dependents through the library, recording who asked, and refuses what it cannot redo', async () => {
    const { dir, store } = await openTestStore();
    const { runId } = await completedRun(store, dir);
    const events = await store.listEvents(runId);
    const before = await callsPerNode(store, runId);

    // Refusals change nothing: an unknown node, a completed run without --from-node, a run held by a live process.
    await expect(resumeRun({ store, runId, fromNode: '9' })).rejects.toThrow(NotFoundError);
    await expect(resumeRun({ store, runId })).rejects.toThrow(StateConflictError);
    const lock = await store.acquireRun(runId, 'someone-else');
    await expect(resumeRun({ store, runId, fromNode: '1' })).rejects.toThrow(UsageError);
    await lock.release();
    expect(await store.listEvents(runId)).toEqual(events);
    expect((await store.getRun(runId))?.status).toBe('completed');

    const resumed = await resumeRun({ store, runId, fromNode: '1', by: 'ada' });
    expect((await resumed.done).status).toBe('completed');
    const after = await callsPerNode(store, runId);
    // Model (1) and API (2, it depends on Model) get their executor and checker again; Docs (3) and the root none.
    expect(after).toEqual({ ...before, '1': before['1']! + 2, '2': before['2']! + 2 });

    const history = await runHistory(store, runId);
    const redone = history.checkpoints.filter((point) => point.type === 'redo');
    expect(redone.map((point) => [point.nodeId, point.from, point.to, point.reason])).toEqual(
      expect.arrayContaining([
        ['0', 'completed', 'decomposed', 'resumed from node 1 by ada'],
        ['1', 'completed', 'ready', 'resumed from node 1 by ada'],
        ['2', 'completed', 'pending', 'resumed from node 1 by ada'],
      ]),
    );
    expect(redone).toHaveLength(3);
    // The first pass is still in the history, before the redo.
    expect(history.checkpoints.slice(0, events.length).map((point) => point.type)).toEqual(
      events.map((event) => event.type),
    );
  });
});
