import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../domain/index.js';
import { describeStoreContract } from '../../../test/store-contract.js';
import { createdEvent, decisionOf, move, sampleChild, sampleRun, transitionWrite } from '../../../test/support/sample-documents.js';
import { acquireRunLock } from './acquire-run-lock.js';
import { openEmbeddedStore, type EmbeddedStore } from './embedded-store.js';

describeStoreContract('embedded store', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'arbor-store-'));
  const opened: EmbeddedStore[] = [];
  const open = async () => {
    const store = await openEmbeddedStore(directory);
    opened.push(store);
    return store;
  };
  return {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('embedded store', () => {
  let directory: string;
  const stores: EmbeddedStore[] = [];
  const open = async () => {
    const store = await openEmbeddedStore(directory);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'arbor-store-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps each run in run.json, journal.jsonl and decisions.jsonl under runs/<runId>/', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const runDirectory = join(directory, 'runs', run.id);
    expect(JSON.parse(await readFile(join(runDirectory, 'run.json'), 'utf8'))).toEqual(run);
    const journal = (await readFile(join(runDirectory, 'journal.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(journal.map((line) => JSON.parse(line) as unknown)).toEqual([
      { t: 'insert', nodes: [root], events: [] },
    ]);
    expect(await readFile(join(runDirectory, 'decisions.jsonl'), 'utf8')).toBe('');
  });

  it('lets a second creator of a run id wait for the first one and find its run, not finish creating it', async () => {
    const { run, root } = sampleRun({ id: 'r-00000000aa', prompt: 'The first creator' });
    // Another process's creation under way: it holds the creation lock and has made the directory.
    const elsewhere = await mkdtemp(join(tmpdir(), 'arbor-store-elsewhere-'));
    const made = await openEmbeddedStore(elsewhere);
    await made.createRun(run, root);
    await made.close();
    const runDirectory = join(directory, 'runs', run.id);
    await mkdir(runDirectory, { recursive: true });
    const creating = acquireRunLock({ path: `${runDirectory}.create.lock`, runId: run.id, owner: 'create' });
    const second = sampleRun({ id: run.id, prompt: 'The second creator' });
    const store = await open();
    const waiting = store.createRun(second.run, second.root);
    // The first process finishes and lets go.
    await cp(join(elsewhere, 'runs', run.id), runDirectory, { recursive: true });
    await creating.release();
    await expect(waiting).rejects.toThrow(`run ${run.id} already exists`);
    expect((await store.getRun(run.id))?.prompt).toBe('The first creator');
    expect(await store.listNodes(run.id)).toEqual([root]);
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('journals a node update as a patch, not as the whole document', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const child = sampleChild(root, 0);
    await store.insertNodes([child]);
    const { patch, event } = move(child, { type: 'deps-met' });
    await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, patch, events: [event] });
    const lines = (await readFile(join(directory, 'runs', run.id, 'journal.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(JSON.parse(lines[2]!)).toEqual({ t: 'patch', id: child.id, expected: 0, patch, events: [event] });
  });

  it('shows a second instance what the first wrote, and the first what the second decided', async () => {
    const driver = await open();
    const approver = await open();
    const { run, root } = sampleRun();
    await driver.createRun(run, root);
    expect(await approver.listNodes(run.id)).toEqual([root]);

    const child = sampleChild(root, 0, { requiresApproval: true });
    await driver.insertNodes([child], [createdEvent(child)]);
    const waiting = move(child, { type: 'request-approval', kind: 'gate', reason: 'spends money' });
    await driver.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, ...transitionWrite(waiting) });
    expect(await approver.getNode(run.id, child.id)).toEqual(waiting.node);
    expect(await approver.listEvents(run.id, child.id)).toEqual([createdEvent(child), waiting.event]);

    expect((await approver.recordDecision(run.id, child.id, decisionOf('approve'))).success).toBe(true);
    expect(await driver.pendingDecisions(run.id)).toEqual([
      { nodeId: child.id, decision: decisionOf('approve') },
    ]);
    expect((await driver.recordDecision(run.id, child.id, decisionOf('reject'))).success).toBe(false);
  });

  it('refuses a write from a second instance that read a version the first has moved past', async () => {
    const first = await open();
    const second = await open();
    const { run, root } = sampleRun();
    await first.createRun(run, root);
    const child = sampleChild(root, 0);
    await first.insertNodes([child]);
    await second.getNode(run.id, child.id);
    const { patch } = move(child, { type: 'deps-met' });
    await first.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, patch });
    await expect(
      second.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, patch }),
    ).rejects.toThrow(/expected version 0, found 1/);
  });

  it('ignores a torn last line and cuts it off before the next append', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const journal = join(directory, 'runs', run.id, 'journal.jsonl');
    await appendFile(journal, '{"t":"patch","id":"0","expec');

    const reopened = await open();
    expect(await reopened.listNodes(run.id)).toEqual([root]);
    const child = sampleChild(root, 0);
    await reopened.insertNodes([child]);

    const lines = (await readFile(journal, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(await (await open()).listNodes(run.id)).toEqual([root, child]);
  });

  it('names the file and line of a corrupt line in the middle of the journal', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const journal = join(directory, 'runs', run.id, 'journal.jsonl');
    await appendFile(journal, 'not json\n');
    await appendFile(
      journal,
      `${JSON.stringify({ t: 'insert', nodes: [sampleChild(root, 0)], events: [] })}\n`,
    );

    const reopened = await open();
    const error = await reopened.listNodes(run.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(`${journal} line 2`);
  });

  it('writes and reads back the same with fsync after every write', async () => {
    const store = await openEmbeddedStore(directory, { fsync: true });
    stores.push(store);
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const child = sampleChild(root, 0);
    await store.insertNodes([child]);
    const { node, patch } = move(child, { type: 'deps-met' });
    await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, patch });
    expect(await (await open()).listNodes(run.id)).toEqual([root, node]);
  });

  it('releases the locks it holds when closed', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await store.acquireRun(run.id, 'engine');
    await store.close();
    await (await (await open()).acquireRun(run.id, 'next engine')).release();
  });

  it('answers a clear StoreError when the store path is a file', async () => {
    const file = join(directory, 'not-a-directory');
    await writeFile(file, '');
    await expect(openEmbeddedStore(file)).rejects.toThrow(/is not a directory/);
  });

  it('refuses run ids that are not plain directory names', async () => {
    const store = await open();
    expect(await store.getRun('../escape')).toBeNull();
    await expect(store.updateRun('../escape', { status: 'failed' })).rejects.toBeInstanceOf(StoreError);
  });
});
