import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../domain/index.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import { move, sampleChild, sampleRun } from '../../../test/support/sample-documents.js';
import {
  documentLockId,
  DocumentLocks,
  hasAtomicUpdates,
  withDocumentLocks,
  type LockDocument,
} from './document-locks.js';
import { mongoCollections } from './mongo-collections.js';
import { openMongoStore } from './open-mongo-store.js';

describe('hasAtomicUpdates', () => {
  it('says FerretDB 1.x has no atomic updates, and MongoDB and FerretDB 2 have them', () => {
    expect(hasAtomicUpdates({ version: '7.0.42', ferretdbVersion: 'v1.24.0' })).toBe(false);
    expect(hasAtomicUpdates({ version: '7.0.77', ferretdbVersion: 'v2.1.0' })).toBe(true);
    expect(
      hasAtomicUpdates({ version: '8.0.4', gitVersion: 'bc35ab4305d9920d9d0491c1c9ef9b72383d31f9' }),
    ).toBe(true);
  });
});

describe.skipIf(mongoTestUri === undefined)('document locks on MongoDB', () => {
  const dbName = testDatabaseName('locks');
  let raw: MongoClient;

  beforeAll(async () => {
    raw = await connectTestClient();
  });
  afterAll(async () => {
    await raw.close();
    await dropTestDatabases([dbName]);
  });

  it('writes past a lock left by a writer that died holding it, leaves that lock, and deletes its own', async () => {
    const store = await openMongoStore(mongoTestUri!, { dbName, documentLocks: true });
    try {
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const child = sampleChild(root, 0);
      await store.insertNodes([child]);
      const locks = raw.db(dbName).collection<LockDocument>('locks');
      const abandoned = {
        _id: documentLockId('nodes', [run.id, child.id], 0),
        token: 'died-holding-it',
        at: new Date(Date.now() - 10 * 60_000),
      };
      await locks.insertOne(abandoned);

      const ready = move(child, { type: 'deps-met' });
      await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 0, patch: ready.patch });

      expect(await store.getNode(run.id, child.id)).toMatchObject({ status: 'ready', version: 1 });
      expect(await locks.find({}).toArray()).toEqual([abandoned]);
    } finally {
      await store.close();
    }
  });

  it('refuses a write that does not name its document, before it is sent', async () => {
    const db = raw.db(dbName);
    const locked = withDocumentLocks(
      mongoCollections(db),
      new DocumentLocks(db.collection<LockDocument>('locks')),
    );
    await expect(locked.nodes.updateOne({ runId: 'run-1' }, { $set: { description: 'x' } })).rejects.toThrow(
      new StoreError(
        'a write to nodes whose filter does not name its document by id cannot be made atomic on a server without atomic updates',
      ),
    );
  });
});
