import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import { createdEvent, sampleRun } from '../../../test/support/sample-documents.js';
import { eventDocument } from './event-document.js';
import { EventLog } from './event-log.js';
import { EventSeqs } from './event-seqs.js';
import { storeCollections } from './open-mongo-store.js';

describe.skipIf(mongoTestUri === undefined)('event seqs on MongoDB', () => {
  const dbName = testDatabaseName('event-seqs');
  const clients: MongoClient[] = [];

  beforeAll(async () => {
    clients.push(...(await Promise.all(Array.from({ length: 4 }, () => connectTestClient()))));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await dropTestDatabases([dbName]);
  });

  it('gives every event its own seq when writers on several connections reserve at once', async () => {
    const { run, root } = sampleRun();
    // Each connection's collections as the store writes them (with document locks on FerretDB 1.x).
    const connections = await Promise.all(
      clients.map((client) => storeCollections(client.db(dbName), { retryForMs: 5_000 }).then((opened) => opened.collections)),
    );
    await connections[0]!.runs.insertOne({ ...run, eventSeq: 0 });
    const writers = connections.map(
      (collections) => new EventSeqs(collections.runs, (_what, operation) => operation(1)),
    );
    const nodeEvent = createdEvent(root);
    // Not driving: one `$inc` per write, 50 at once from each of 4 connections, 8 rounds.
    const seqs: number[] = [];
    for (let round = 0; round < 8; round++) {
      const given = await Promise.all(
        writers.flatMap((writer) =>
          Array.from({ length: 50 }, async () => writer.assign(run.id, [nodeEvent, nodeEvent], false)),
        ),
      );
      seqs.push(...given.flat().map((one) => one.seq!));
    }

    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.min(...seqs)).toBe(1);
    expect(Math.max(...seqs)).toBe(seqs.length);
    // On FerretDB 1.x the 1,600 reservations take turns on one document's lock (13–21 s alone on
    // 2 cores, and past the default 30 s under load): the same work, given the time it takes there.
  }, 90_000);

  it('fails the insert of an event whose seq another event holds, and skips one stored before', async () => {
    const { collections } = await storeCollections(clients[0]!.db(dbName), { retryForMs: 5_000 });
    const events = new EventLog(collections, (_what, operation) => operation(1));
    const { run, root } = sampleRun();
    const event = (version: number, seq: number) => eventDocument({ ...createdEvent(root), seq }, version);
    await events.insert([event(1, 1)]);
    // The same event again (a retry, a repair): skipped.
    await events.insert([event(1, 1), event(2, 2)]);
    // Another event given seq 2: refused, not dropped without a word.
    await expect(events.insert([event(3, 2)])).rejects.toThrow(
      `an event was given a seq another event of its run holds, and could not be stored (the first: seq 2 of node ${root.id} in run ${run.id})`,
    );
    expect((await collections.events.find({ runId: run.id }).toArray()).map((stored) => stored.seq)).toEqual([
      1, 2,
    ]);
  });
});
