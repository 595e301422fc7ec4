import { readFile } from 'node:fs/promises';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, StoreError, UsageError, type Run, type TaskNode } from '../../domain/index.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import { createdEvent, move, sampleChild, sampleRun, transitionWrite } from '../../../test/support/sample-documents.js';
import { mongoIndexes } from './ensure-indexes.js';
import { mongoCollections, type MongoCollections } from './mongo-collections.js';
import type { Store } from '../store.js';
import { MongoStore } from './mongo-store.js';
import { openMongoStore, type OpenMongoStoreOptions } from './open-mongo-store.js';


/** A stored run with one child of its root, inserted with its creation event. */
async function runWithChild(store: Store): Promise<{ run: Run; root: TaskNode; child: TaskNode }> {
  const { run, root } = sampleRun();
  await store.createRun(run, root);
  const child = sampleChild(root, 0);
  await store.insertNodes([child], [createdEvent(child)]);
  return { run, root, child };
}

describe('openMongoStore', () => {
  it('refuses an unreachable server with a UsageError that names the host and hides the password', async () => {
    const error = await openMongoStore('mongodb://arbor:s3cret-pw@127.0.0.1:9/arbor', {
      serverSelectionTimeoutMS: 300,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    const { message, hint } = error as UsageError;
    expect(message).toContain('127.0.0.1:9');
    expect(message).toContain('arbor:***@');
    expect(`${message} ${hint}`).not.toContain('s3cret-pw');
    expect(hint).toContain('MONGODB_URI or --store');
  });

  it('refuses a URI that is not a MongoDB URI with a UsageError', async () => {
    await expect(openMongoStore('mongodb://')).rejects.toBeInstanceOf(UsageError);
  });
});

describe.skipIf(mongoTestUri === undefined)('mongodb store', () => {
  const uri = mongoTestUri!;
  const dbName = testDatabaseName('store');
  const stores: MongoStore[] = [];
  let raw: MongoClient;

  const open = async (options: OpenMongoStoreOptions = {}) => {
    const store = await openMongoStore(uri, { dbName, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    raw = await connectTestClient();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await raw.close();
    await dropTestDatabases([dbName]);
  });

  it('creates the indexes its queries use, and opening again changes nothing', async () => {
    await open();
    const indexesOf = async (collection: string) => {
      const indexes = await raw.db(dbName).collection(collection).indexInformation({ full: true });
      return indexes
        .map((index) => ({ name: index.name, key: index.key, unique: Boolean(index.unique) }))
        .filter((index) => index.name !== '_id_')
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    };
    const allIndexes = async () => ({
      runs: await indexesOf('runs'),
      nodes: await indexesOf('nodes'),
      events: await indexesOf('events'),
      calls: await indexesOf('calls'),
      workers: await indexesOf('workers'),
      schedules: await indexesOf('schedules'),
    });
    const before = await allIndexes();
    for (const [collection, expected] of Object.entries(mongoIndexes)) {
      expect(before[collection as keyof typeof before]).toEqual(
        expected
          .map((index) => ({ name: index.name, key: index.key, unique: Boolean(index.unique) }))
          .sort((a, b) => String(a.name).localeCompare(String(b.name))),
      );
    }
    expect(before.nodes.find((index) => index.name === 'runId_id')).toMatchObject({ unique: true });

    await open();
    expect(await allIndexes()).toEqual(before);

    // A database that lacks some of the indexes (one made by an older Arbor) gets just those.
    await raw.db(dbName).collection('nodes').dropIndex('runId_status');
    await raw.db(dbName).collection('runs').dropIndex('createdAt');
    await open();
    expect(await allIndexes()).toEqual(before);
  });

  // Document locks are what makes this hold on FerretDB 1.x; forced on, they must keep it on MongoDB.
  it.each([
    { locks: 'locking documents only where the server needs it', documentLocks: undefined },
    { locks: 'locking documents', documentLocks: true },
  ])('lets exactly one of 20 writers on separate connections win the same version, $locks', async ({ documentLocks }) => {
    const writers = await Promise.all(Array.from({ length: 4 }, () => open({ documentLocks })));
    const { run, root } = sampleRun();
    await writers[0]!.createRun(run, root);
    const child = sampleChild(root, 0);
    await writers[0]!.insertNodes([child]);

    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        writers[index % writers.length]!.updateNode({
          runId: run.id,
          nodeId: child.id,
          expectedVersion: 0,
          patch: { ...move(child, { type: 'deps-met' }).patch, description: `writer ${index}` },
          events: [move(child, { type: 'deps-met' }).event],
        }),
      ),
    );
    const won = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const lost = settled.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    expect(lost.every((reason) => reason instanceof ConflictError)).toBe(true);
    expect(await writers[1]!.getNode(run.id, child.id)).toMatchObject({
      version: 1,
      description: won[0]!.description,
    });
    expect(await writers[2]!.listEvents(run.id, child.id)).toHaveLength(1);
  });

  it('moves many nodes through their lifecycle from several clients with no lost or doubled transition', async () => {
    const workers = await Promise.all(Array.from({ length: 5 }, () => open()));
    const { run, root } = sampleRun();
    await workers[0]!.createRun(run, root);
    const children = Array.from({ length: 40 }, (_, order) => sampleChild(root, order, { status: 'ready' }));
    await workers[0]!.insertNodes(children);

    // Every worker tries to move every node one step at a time: start, submit, pass. A worker that
    // loses a race re-reads the node and tries the step that is next from there.
    const steps = ['start', 'submit', 'pass'] as const;
    const drive = async (store: MongoStore, offset: number) => {
      let wins = 0;
      for (let index = 0; index < children.length; index++) {
        const nodeId = children[(index + offset * 7) % children.length]!.id;
        for (;;) {
          const node: TaskNode = (await store.getNode(run.id, nodeId))!;
          if (node.status === 'completed') break;
          const step = steps[node.version]!;
          const event =
            step === 'start'
              ? {
                  type: step,
                  lease: { owner: `worker ${offset}`, token: `t${offset}`, expiresAt: node.createdAt },
                }
              : { type: step };
          const outcome = move(node, event);
          try {
            await store.updateNode({
              runId: run.id,
              nodeId,
              expectedVersion: node.version,
              patch: outcome.patch,
              events: [{ ...outcome.event, actor: `worker ${offset}` }],
            });
            wins++;
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
          }
        }
      }
      return wins;
    };
    const wins = await Promise.all(workers.map((store, offset) => drive(store, offset)));

    expect(wins.reduce((sum, count) => sum + count, 0)).toBe(children.length * steps.length);
    const nodes = (await workers[0]!.listNodes(run.id)).filter((node) => node.id !== root.id);
    expect(nodes.every((node) => node.status === 'completed' && node.version === 3)).toBe(true);
    const events = await workers[1]!.listEvents(run.id);
    for (const child of children) {
      const trail = events
        .filter((event) => event.nodeId === child.id)
        .map((event) => `${event.from}>${event.to}`);
      expect(trail).toEqual(['ready>running', 'running>checking', 'checking>completed']);
    }
  });

  it('reads v1 run, node and event documents inserted as an earlier Arbor wrote them', async () => {
    const fixture = async (name: string) =>
      JSON.parse(
        await readFile(new URL(`../../../test/fixtures/documents/${name}-v1.json`, import.meta.url), 'utf8'),
      ) as {
        id?: string;
        runId: string;
      } & Record<string, unknown>;
    const [run, node, event] = await Promise.all([fixture('run'), fixture('node'), fixture('event')]);
    const legacyDb = raw.db(dbName);
    // Raw inserts: the documents get `_id`s and carry a field this Arbor does not know.
    await legacyDb.collection('runs').insertOne({ ...run, legacyField: 'ignored' });
    await legacyDb.collection('nodes').insertOne({ ...node, legacyField: 'ignored' });
    await legacyDb.collection('events').insertOne({ ...event });

    const store = await open();
    expect(await store.getRun(run.id!)).toEqual(run);
    expect(await store.getNode(node.runId, node.id!)).toEqual(node);
    expect(await store.listEvents(event.runId)).toEqual([event]);
  });

  it('numbers the events of a run stored before seqs once, in the order of listEvents, and new seqs follow them', async () => {
    const store = await open();
    const { run, child } = await runWithChild(store);
    const ready = move(child, { type: 'deps-met' });
    await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, ...transitionWrite(ready) });
    await store.settled();
    // What an Arbor before seqs left: no counter on the run, no seqs on the events.
    const db = raw.db(dbName);
    await db.collection('runs').updateOne({ id: run.id }, { $unset: { eventSeq: '' } });
    await db.collection('events').updateMany({ runId: run.id }, { $unset: { seq: '', runSeq: '' } });
    await db.collection('nodes').updateMany({ runId: run.id }, { $unset: { recentEvents: '' } });

    const reader = await open();
    const numbered = (await reader.listEvents(run.id)).map((event, index) => ({ ...event, seq: index + 1 }));
    expect(numbered.map((event) => event.type)).toEqual(['create', 'deps-met']);
    expect(await reader.listEventsAfter(run.id, 0)).toEqual(numbered);
    expect(await reader.listEventsAfter(run.id, 0)).toEqual(numbered);
    expect(await db.collection('runs').findOne({ id: run.id })).toMatchObject({ eventSeq: 2 });

    const lock = await store.acquireRun(run.id, 'engine A');
    const started = move(ready.node, { type: 'start', lease: { owner: 'engine A', token: 't', expiresAt: 'x' } }, 3);
    await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 1, ...transitionWrite(started), current: ready.node });
    await lock.release();
    // The reader is another process: it lists the event once its insert is acknowledged.
    await store.settled();
    expect(await reader.listEventsAfter(run.id, 2)).toEqual([{ ...started.event, seq: 3 }]);
  });

  it('refuses a document from a newer Arbor with a StoreError', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await raw
      .db(dbName)
      .collection('nodes')
      .insertOne({ ...sampleChild(root, 0), schemaVersion: 99 });
    await expect(store.getNode(run.id, '1')).rejects.toBeInstanceOf(StoreError);
  });

  it('keeps a held run lease alive past its length and lets another process take an expired one', async () => {
    const holder = await open({ leaseMs: 300 });
    const other = await open({ leaseMs: 300 });
    const { run, root } = sampleRun();
    await holder.createRun(run, root);

    const lock = await holder.acquireRun(run.id, 'engine A');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await expect(other.acquireRun(run.id, 'engine B')).rejects.toSatisfy(
      (error) => error instanceof UsageError && /engine A \(pid \d+ on /.test(error.message),
    );
    await lock.release();

    // A driver that died without releasing: its lease stays on the run document until it expires.
    await holder.acquireRun(run.id, 'engine A');
    await raw
      .db(dbName)
      .collection('runs')
      .updateOne({ id: run.id }, { $set: { 'driver.expiresAt': new Date(Date.now() - 1000) } });
    const taken = await other.acquireRun(run.id, 'engine B');
    await taken.release();
  });

  it('leaves a run one process holds out of the open runs until its lease ends, and restarts its budget counters', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const limits = { maxCalls: 10, maxTokens: null, maxCostUsd: null };
    await store.reserveBudget({ runId: run.id, limits, tokens: 5 });
    const runs = raw.db(dbName).collection('runs');
    expect(await runs.findOne({ id: run.id })).toMatchObject({ committed: { calls: 1, tokens: 5 } });

    const lock = await store.acquireRun(run.id, 'engine A');
    expect((await store.listOpenRuns()).map((open) => open.id)).not.toContain(run.id);
    expect(await runs.findOne({ id: run.id })).toMatchObject({ committed: null });
    await lock.release();
    expect((await store.listOpenRuns()).map((open) => open.id)).toContain(run.id);
    // Shared counters never show in the run Arbor reads.
    expect(await store.getRun(run.id)).toEqual(run);
  });

  it('gives the writers of a shared run on separate connections distinct seqs, dense, in the order of each node\'s versions', async () => {
    const writers = [await open(), await open()];
    const { run, root } = sampleRun();
    await writers[0]!.createRun(run, root);
    const children = Array.from({ length: 10 }, (_, index) => sampleChild(root, index));
    await writers[0]!.insertNodes(children, children.map(createdEvent));
    // Neither holds the run's lease: each reserves the seqs of each write on the run document.
    await Promise.all(
      children.map(async (child, index) => {
        const store = writers[index % 2]!;
        const ready = move(child, { type: 'deps-met' });
        await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, ...transitionWrite(ready) });
        const started = move(ready.node, { type: 'start', lease: { owner: `w${index % 2}`, token: 't', expiresAt: 'x' } }, 3);
        await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 1, ...transitionWrite(started) });
      }),
    );
    // A node write is acknowledged before its events' insert lands; a reader of another process
    // sees them once they are stored.
    await Promise.all(writers.map((writer) => writer.settled()));
    const events = await (await open()).listEventsAfter(run.id, 0);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    for (const child of children)
      expect(events.filter((event) => event.nodeId === child.id).map((event) => event.type)).toEqual(['create', 'deps-met', 'start']);
    expect(new Set(events.map((event) => `${event.nodeId}:${event.type}`)).size).toBe(30);
  });

  it('pages on past a gap of seqs that ends a lookup window, so a short page means the end', async () => {
    const writer = await open();
    const { run, root } = sampleRun();
    await writer.createRun(run, root);
    const children = Array.from({ length: 200 }, (_, index) => sampleChild(root, index));
    await writer.insertNodes(children, children.map(createdEvent));
    await writer.settled();
    // As a writer that died holding seqs 27–140 leaves them: never stored (the window is 128).
    await raw.db(dbName).collection('events').deleteMany({ runId: run.id, seq: { $gte: 27, $lte: 140 } });
    const reader = await open();
    const page = await reader.listEventsAfter(run.id, 0, { limit: 100 });
    const expected = [...Array.from({ length: 26 }, (_, index) => index + 1), ...Array.from({ length: 60 }, (_, index) => index + 141)];
    expect(page.map((event) => event.seq)).toEqual(expected);
    expect(await reader.listEventsAfter(run.id, 200)).toEqual([]);
  });

  it('loses no event when a process dies between a node write and its event insert', async () => {
    const store = await open();
    const { run, root, child } = await runWithChild(store);
    const moved = move(child, { type: 'deps-met' });
    await store.updateNode({
      runId: run.id,
      nodeId: child.id,
      expectedVersion: 0,
      ...transitionWrite(moved),
    });
    const events = raw.db(dbName).collection('events');
    const expected = [createdEvent(child), moved.event];
    expect(await store.listEvents(run.id)).toEqual(expected);

    // What a kill -9 right after a node write leaves: the node moved, its event never inserted (a
    // node's earlier events were inserted before it could move again).
    await store.settled();
    await events.deleteOne({ runId: run.id, type: 'deps-met' });
    const sibling = sampleChild(root, 1);
    await store.insertNodes([sibling], [createdEvent(sibling)]);
    await store.settled();
    await events.deleteOne({ runId: run.id, nodeId: sibling.id });
    expected.splice(1, 0, createdEvent(sibling));
    expect(await store.listEvents(run.id)).toEqual(expected);
    expect(await store.listEvents(run.id, child.id)).toEqual([createdEvent(child), moved.event]);
    // The next driver stores them before it moves any node (which replaces a node's latest event).
    const lock = await store.acquireRun(run.id, 'engine B');
    await lock.release();
    expect(
      await events
        .find({ runId: run.id }, { projection: { _id: 0, seq: 0, runSeq: 0 } })
        .sort({ at: 1, _id: 1 })
        .toArray(),
    ).toEqual(expected);
    expect(await store.listEvents(run.id)).toEqual(expected);
    // Arbor's node never shows the bookkeeping fields.
    expect(await store.getNode(run.id, child.id)).not.toHaveProperty('recentEvents');
    expect(await store.getNode(run.id, child.id)).not.toHaveProperty('lastEvent');
  });

  it("lists and stores the event an earlier Arbor left unrecorded in a node's `lastEvent`", async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await store.settled();
    const child = sampleChild(root, 0);
    const ready = move(child, { type: 'deps-met' });
    // What the earlier store wrote: one `lastEvent` per node, here never inserted into `events`.
    await raw
      .db(dbName)
      .collection('nodes')
      .insertOne({ ...ready.node, lastEvent: { _id: `${run.id}/${child.id}/000001`, ...ready.event } });
    expect(await store.listEvents(run.id, child.id)).toEqual([ready.event]);
    expect(await store.getNode(run.id, child.id)).toEqual(ready.node);
    const lock = await store.acquireRun(run.id, 'engine B');
    await lock.release();
    expect(
      await raw
        .db(dbName)
        .collection('events')
        .find({ runId: run.id, nodeId: child.id }, { projection: { _id: 0, seq: 0, runSeq: 0 } })
        .toArray(),
    ).toEqual([ready.event]);
  });

  it('stores the event a dead process left unrecorded when another process moves the node on', async () => {
    const store = await open();
    const { run, child } = await runWithChild(store);
    const ready = move(child, { type: 'deps-met' });
    await store.updateNode({
      runId: run.id,
      nodeId: child.id,
      expectedVersion: 0,
      ...transitionWrite(ready),
    });
    const events = raw.db(dbName).collection('events');
    await store.settled();
    await events.deleteOne({ runId: run.id, type: 'deps-met' });

    // A worker of a shared run takes the node over without taking the run (no repair on acquire).
    const started = move(
      ready.node,
      { type: 'start', lease: { owner: 'w2', token: 't', expiresAt: 'x' } },
      3,
    );
    await store.updateNode({
      runId: run.id,
      nodeId: child.id,
      expectedVersion: 1,
      ...transitionWrite(started),
    });
    await store.settled();
    expect(
      await events
        .find({ runId: run.id }, { projection: { _id: 0, seq: 0, runSeq: 0 } })
        .sort({ at: 1, _id: 1 })
        .toArray(),
    ).toEqual([createdEvent(child), ready.event, started.event]);
  });

  describe('group commits of events and model calls', () => {
    /**
     * A store whose bulk writes are counted per collection, and whose inserts into `events` and
     * `calls` wait until `open()`.
     */
    async function gatedStore() {
      const client = await connectTestClient();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const writes = { events: 0, calls: 0, nodes: 0 };
      const watched = <C extends MongoCollections['events' | 'calls' | 'nodes']>(
        name: keyof typeof writes,
        collection: C,
      ): C =>
        new Proxy(collection, {
          get(target, property) {
            const value: unknown = Reflect.get(target, property, target);
            if (typeof value !== 'function') return value;
            const method = (value as (...args: unknown[]) => unknown).bind(target);
            if (property !== 'insertMany' && property !== 'bulkWrite') return method;
            return async (...args: unknown[]) => {
              writes[name]++;
              if (name !== 'nodes') await gate;
              return method(...args);
            };
          },
        });
      const collections = mongoCollections(client.db(dbName));
      const store = new MongoStore({
        client,
        locks: null,
        collections: {
          ...collections,
          events: watched('events', collections.events),
          calls: watched('calls', collections.calls),
          nodes: watched('nodes', collections.nodes),
        },
        location: 'gated test store',
        retryForMs: 5_000,
        leaseMs: 30_000,
      });
      stores.push(store);
      return { store, open, writes };
    }

    it("carries a node's unacknowledged events on its next write instead of waiting for their insert", async () => {
      const { store, open } = await gatedStore();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const lock = await store.acquireRun(run.id, 'engine A');
      const child = sampleChild(root, 0);
      // Returns once the node is written: its creation event rides on it in `recentEvents`.
      await store.insertNodes([child], [createdEvent(child)]);
      // Made ready and started in one write: two events, two versions.
      const ready = move(child, { type: 'deps-met' });
      const started = move(ready.node, {
        type: 'start',
        lease: { owner: 'engine A', token: 't', expiresAt: 'x' },
      });
      const stored = await store.updateNode({
        runId: run.id,
        nodeId: child.id,
        expectedVersion: 0,
        patch: { ...ready.patch, ...started.patch },
        events: [ready.event, started.event],
        current: child,
      });
      expect(stored).toEqual(started.node);
      expect(stored.version).toBe(2);
      // The events' inserts are still held at the gate; the node carries all three.
      const document = await raw.db(dbName).collection('nodes').findOne({ runId: run.id, id: child.id });
      expect(document).toMatchObject({ version: 2, status: 'running' });
      expect(document?.recentEvents).toHaveLength(3);
      const all = [createdEvent(child), ready.event, started.event];
      expect(await store.listEvents(run.id, child.id)).toEqual(all);
      open();
      await store.settled();
      expect(
        await raw
          .db(dbName)
          .collection('events')
          .find({ runId: run.id, nodeId: child.id }, { projection: { _id: 0, seq: 0, runSeq: 0 } })
          .sort({ at: 1, _id: 1 })
          .toArray(),
      ).toEqual(all);
      await lock.release();
    });

    it('lists its unacknowledged events in seq order with the stored ones; another process finds them on the nodes', async () => {
      const { store, open: openGate } = await gatedStore();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const lock = await store.acquireRun(run.id, 'engine A');
      const first = sampleChild(root, 0);
      const second = sampleChild(root, 1);
      await store.insertNodes([first, second], [createdEvent(first), createdEvent(second)]);
      const readySecond = move(second, { type: 'deps-met' });
      await store.updateNode({ runId: run.id, nodeId: second.id, expectedVersion: 0, ...transitionWrite(readySecond), current: second });
      const readyFirst = move(first, { type: 'deps-met' }, 3);
      await store.updateNode({ runId: run.id, nodeId: first.id, expectedVersion: 0, ...transitionWrite(readyFirst), current: first });
      // The inserts are held at the gate: the events are on their nodes only.
      expect(await raw.db(dbName).collection('events').countDocuments({ runId: run.id })).toBe(0);
      const expected = [createdEvent(first), createdEvent(second), readySecond.event, readyFirst.event].map((event, index) => ({
        ...event,
        seq: index + 1,
      }));
      expect(await store.listEventsAfter(run.id, 0)).toEqual(expected);
      expect(await store.listEventsAfter(run.id, 2)).toEqual(expected.slice(2));
      const other = await open();
      expect(await other.listEventsAfter(run.id, 0)).toEqual([]);
      expect(await other.listEventsAfter(run.id, 1, { onNodes: true })).toEqual(expected.slice(1));
      openGate();
      await store.settled();
      expect(await other.listEventsAfter(run.id, 0)).toEqual(expected);
      await lock.release();
    });

    it('stores the model calls recorded close together in one insert', async () => {
      const { store, open, writes } = await gatedStore();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const call = (nodeId: string) => ({
        schemaVersion: 1 as const,
        runId: run.id,
        nodeId,
        role: 'executor' as const,
        attempt: 1,
        system: 'You are the executor.',
        messages: [{ role: 'user' as const, content: `Do node ${nodeId}` }],
        answer: '{"ok":true}',
        finishReason: 'complete' as const,
        usage: { calls: 1, inputTokens: 10, outputTokens: 5, cachedTokens: 0, costUsd: null },
        error: null,
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:00:01.000Z',
      });
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // Calls recorded within the linger (50 ms) go out together…
      const early = [store.recordCall(call('1'))];
      await sleep(10);
      early.push(store.recordCall(call('2')), store.recordCall(call('3')));
      await sleep(100);
      expect(writes.calls).toBe(1);
      // …and one recorded while that insert is in flight goes in the next.
      const late = store.recordCall(call('4'));
      open();
      await Promise.all([...early, late]);
      expect(writes.calls).toBe(2);
      expect((await store.listCalls(run.id)).map((stored) => stored.nodeId).sort()).toEqual([
        '1',
        '2',
        '3',
        '4',
      ]);
    });
    it('holds node writes back while 1,000 model calls wait for their insert', async () => {
      const { store, open } = await gatedStore();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const child = sampleChild(root, 0);
      await store.insertNodes([child]);
      const recorded = Array.from({ length: 1000 }, (_, index) =>
        store.recordCall({
          schemaVersion: 1,
          runId: run.id,
          nodeId: child.id,
          role: 'executor',
          attempt: index + 1,
          system: 's',
          messages: [{ role: 'user', content: 'u' }],
          answer: '{}',
          finishReason: 'complete',
          usage: { calls: 1, inputTokens: 1, outputTokens: 1, cachedTokens: 0, costUsd: null },
          error: null,
          startedAt: '2026-01-01T00:00:00.000Z',
          endedAt: '2026-01-01T00:00:01.000Z',
        }),
      );
      const ready = move(child, { type: 'deps-met' });
      let written = false;
      const update = store
        .updateNode({
          runId: run.id,
          nodeId: child.id,
          expectedVersion: 0,
          ...transitionWrite(ready),
        })
        .then(() => (written = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(written).toBe(false);
      open();
      await Promise.all([update, ...recorded]);
      expect(await store.getNode(run.id, child.id)).toEqual(ready.node);
    });

    it('groups the node writes of the process driving a run, and still refuses a stale version', async () => {
      const { store, open, writes } = await gatedStore();
      open();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const children = [0, 1, 2].map((index) => sampleChild(root, index));
      await store.insertNodes(children, children.map(createdEvent));
      const lock = await store.acquireRun(run.id, 'engine A');
      // Another process moved node 2 on meanwhile (say, `arbor cancel`).
      await raw
        .db(dbName)
        .collection('nodes')
        .updateOne({ runId: run.id, id: children[1]!.id }, { $set: { version: 1 } });

      const before = writes.nodes;
      const outcomes = await Promise.allSettled(
        children.map((child) => {
          const ready = move(child, { type: 'deps-met' });
          return store.updateNode({
            runId: run.id,
            nodeId: child.id,
            expectedVersion: 0,
            ...transitionWrite(ready),
            current: child,
          });
        }),
      );
      expect(writes.nodes - before).toBe(1);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const refused = (outcomes[1] as PromiseRejectedResult).reason as Error;
      expect(refused).toBeInstanceOf(ConflictError);
      expect(refused.message).toContain('expected version 0, found 1');
      // What the store answers is what it stored.
      const first = (outcomes[0] as PromiseFulfilledResult<TaskNode>).value;
      expect(first).toEqual(await store.getNode(run.id, children[0]!.id));
      expect(first).toMatchObject({ status: 'ready', version: 1 });
      await store.settled();
      expect((await store.listEvents(run.id, children[2]!.id)).map((event) => event.type)).toEqual([
        'create',
        'deps-met',
      ]);
      await lock.release();
    });
  });

  it('refuses to work after close', async () => {
    const store = await open();
    await store.close();
    await expect(store.listRuns()).rejects.toBeInstanceOf(StoreError);
  });
});
