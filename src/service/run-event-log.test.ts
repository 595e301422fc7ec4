import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, type TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { eventDocument } from '../store/mongodb/event-document.js';
import { openMongoStore } from '../store/mongodb/index.js';
import { mongoTestUri, useMongoTestDatabase } from '../../test/support/mongodb-test-database.js';
import { createdEvent, move, sampleChild, sampleRun, transitionWrite } from '../../test/support/sample-documents.js';
import { mongoSettleMs, settledEvents } from './run-event-log.js';

describe.skipIf(mongoTestUri === undefined)('settledEvents on MongoDB', () => {
  const database = useMongoTestDatabase('feed', { beforeAll, afterAll });
  const { dbName } = database;
  const db = () => database.raw().db(dbName);

  /** A store and a run with two children, whose creations are seqs 1 and 2. */
  async function twoChildRun(): Promise<{ store: Store; runId: string; children: TaskNode[] }> {
    const store = database.track(await openMongoStore(mongoTestUri!, { dbName }));
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const children = [sampleChild(root, 0), sampleChild(root, 1)];
    await store.insertNodes(children, children.map(createdEvent));
    return { store, runId: run.id, children };
  }

  /** What a writer that reserved the run's next seq and died before writing it leaves: a gap. */
  async function deadWriterReserves(runId: string): Promise<number> {
    const run = await db().collection('runs').findOneAndUpdate({ id: runId }, { $inc: { eventSeq: 1 } }, { returnDocument: 'after' });
    return run!.eventSeq as number;
  }

  const seqsOf = (result: { events: { seq: number }[] }) => result.events.map((entry) => entry.seq);

  it("waits at a gap while the event after it is young, and passes a dead writer's gap once it is old", async () => {
    const { store, runId, children } = await twoChildRun();
    expect(await deadWriterReserves(runId)).toBe(3);
    const ready = move(children[0]!, { type: 'deps-met' });
    await store.updateNode({ runId, nodeId: children[0]!.id, expectedVersion: 0, ...transitionWrite(ready) });
    const written = Date.parse(ready.event.at);

    const young = await settledEvents(store, runId, { now: written + mongoSettleMs - 1 });
    expect(seqsOf(young)).toEqual([1, 2]);
    expect(young.unsettled).toBe(true);
    const old = await settledEvents(store, runId, { now: written + mongoSettleMs + 1 });
    expect(seqsOf(old)).toEqual([1, 2, 4]);
    expect(old.unsettled).toBe(false);
    expect(old.events[2]!.event).toEqual({ ...ready.event, seq: 4 });
  });

  it('finds the event a dead writer left on its node instead of passing its seq', async () => {
    const { store, runId, children } = await twoChildRun();
    // The writer's node write landed (the event rides on the node), then it died before the insert.
    const seq = await deadWriterReserves(runId);
    const lost = move(children[1]!, { type: 'deps-met' });
    await db()
      .collection('nodes')
      .updateOne(
        { runId, id: children[1]!.id },
        { $set: { ...lost.patch, recentEvents: [eventDocument({ ...lost.event, seq }, 1)] } },
      );
    const ready = move(children[0]!, { type: 'deps-met' }, 3);
    await store.updateNode({ runId, nodeId: children[0]!.id, expectedVersion: 0, ...transitionWrite(ready) });

    const settled = await settledEvents(store, runId, { now: Date.parse(ready.event.at) + mongoSettleMs + 1 });
    expect(settled.events.map((entry) => entry.event)).toEqual([
      { ...createdEvent(children[0]!), seq: 1 },
      { ...createdEvent(children[1]!), seq: 2 },
      { ...lost.event, seq: 3 },
      { ...ready.event, seq: 4 },
    ]);
  });

  it('passes at once a seq whose write this process saw refused', async () => {
    const { store, runId, children } = await twoChildRun();
    const stale = move(children[1]!, { type: 'deps-met' });
    await expect(
      store.updateNode({ runId, nodeId: children[1]!.id, expectedVersion: 5, ...transitionWrite(stale) }),
    ).rejects.toThrow(ConflictError);
    const ready = move(children[0]!, { type: 'deps-met' });
    await store.updateNode({ runId, nodeId: children[0]!.id, expectedVersion: 0, ...transitionWrite(ready) });
    expect(store.eventSeqsPending(runId).abandoned).toEqual(new Set([3]));
    // No wait: the event after the gap is brand new.
    const settled = await settledEvents(store, runId, { now: Date.parse(ready.event.at) });
    expect(seqsOf(settled)).toEqual([1, 2, 4]);
    expect(settled.unsettled).toBe(false);
  });

  it('gives a reader that reads on after its last seq every event once, across a passed gap', async () => {
    const { store, runId, children } = await twoChildRun();
    const first = move(children[0]!, { type: 'deps-met' });
    await store.updateNode({ runId, nodeId: children[0]!.id, expectedVersion: 0, ...transitionWrite(first) });
    const pages: number[][] = [seqsOf(await settledEvents(store, runId, { now: Date.parse(first.event.at) }))];
    await deadWriterReserves(runId);
    const second = move(children[1]!, { type: 'deps-met' }, 3);
    await store.updateNode({ runId, nodeId: children[1]!.id, expectedVersion: 0, ...transitionWrite(second) });
    const started = move(first.node, { type: 'start', lease: { owner: 'w', token: 't', expiresAt: 'x' } }, 4);
    await store.updateNode({ runId, nodeId: children[0]!.id, expectedVersion: 1, ...transitionWrite(started) });
    const young = Date.parse(second.event.at);
    const old = Date.parse(started.event.at) + mongoSettleMs + 1;

    // Reconnecting readers: each asks after the last seq it got.
    const last = () => pages.flat().at(-1) ?? 0;
    const held = await settledEvents(store, runId, { after: last(), now: young });
    expect(held).toEqual({ events: [], unsettled: true });
    pages.push(seqsOf(await settledEvents(store, runId, { after: last(), limit: 1, now: old })));
    pages.push(seqsOf(await settledEvents(store, runId, { after: last(), now: old })));
    pages.push(seqsOf(await settledEvents(store, runId, { after: last(), now: old })));
    expect(pages).toEqual([[1, 2, 3], [5], [6], []]);
    expect(seqsOf(await settledEvents(store, runId, { now: old }))).toEqual(pages.flat());
  });
});
