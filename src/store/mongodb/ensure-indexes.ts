import type { Collection, Document, IndexDescription } from 'mongodb';
import { hasCode } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';

/**
 * The indexes Arbor's queries use, by collection. Plain (no partial or TTL options; sparse at most)
 * so they work on every MongoDB and on the CI test server.
 */
export const mongoIndexes: { [C in keyof MongoCollections]: readonly IndexDescription[] } = {
  runs: [
    { key: { id: 1 }, name: 'id', unique: true },
    { key: { createdAt: -1 }, name: 'createdAt' },
  ],
  nodes: [
    { key: { runId: 1, id: 1 }, name: 'runId_id', unique: true },
    // Every node write is conditional on the version. MongoDB would serve it from runId_id; the CI
    // test server (mongo-java-server) only uses an index whose keys are exactly the query's, and
    // scanned the whole collection on each write without this one (time per node grew with the tree).
    { key: { runId: 1, id: 1, version: 1 }, name: 'runId_id_version', unique: true },
    { key: { runId: 1, status: 1 }, name: 'runId_status' },
    { key: { runId: 1, parentId: 1, order: 1 }, name: 'runId_parentId_order' },
    { key: { runId: 1, depth: 1, order: 1, id: 1 }, name: 'runId_depth_order_id' },
    { key: { runId: 1, ancestors: 1 }, name: 'runId_ancestors' },
    { key: { runId: 1, updatedAt: 1 }, name: 'runId_updatedAt' },
  ],
  events: [
    { key: { runId: 1, at: 1 }, name: 'runId_at' },
    { key: { runId: 1, nodeId: 1, at: 1 }, name: 'runId_nodeId_at' },
    // Readers look up the seqs after their last with `$in` on one field: the CI test server serves
    // `$in` from a unique single-field index only. Sparse: events stored before seqs have no key.
    { key: { runSeq: 1 }, name: 'runSeq', unique: true, sparse: true },
    { key: { runId: 1, seq: 1 }, name: 'runId_seq' },
  ],
  calls: [{ key: { runId: 1, nodeId: 1, startedAt: 1 }, name: 'runId_nodeId_startedAt' }],
  workers: [{ key: { id: 1 }, name: 'id', unique: true }],
  schedules: [{ key: { name: 1 }, name: 'name', unique: true }],
};

/** MongoDB's answer to `listIndexes` on a collection that does not exist yet. */
const namespaceNotFound = 26;

/**
 * Creates the store's indexes that are missing (see {@link createMissingIndexes}), so every open may
 * call it.
 */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  await Promise.all([
    createMissingIndexes(collections.runs, mongoIndexes.runs),
    createMissingIndexes(collections.nodes, mongoIndexes.nodes),
    createMissingIndexes(collections.events, mongoIndexes.events),
    createMissingIndexes(collections.calls, mongoIndexes.calls),
    createMissingIndexes(collections.workers, mongoIndexes.workers),
    createMissingIndexes(collections.schedules, mongoIndexes.schedules),
  ]);
}

/**
 * Creates the indexes of `collection` that are missing, by name; an index that exists is left alone
 * (its keys are not compared). Asks for missing ones only: FerretDB 1.x's `createIndexes` crashes
 * the connection when handed two or more indexes that exist already (FerretDB issue 3858), so a
 * reopened database would hang in retries there. MongoDB treats an identical `createIndexes` as a
 * no-op either way.
 */
export async function createMissingIndexes<D extends Document>(
  collection: Collection<D>,
  indexes: readonly IndexDescription[],
): Promise<void> {
  const existing = new Set(
    (await collection.listIndexes().toArray().catch(emptyIfNoCollection)).map((index: Document) =>
      String(index.name),
    ),
  );
  const missing = indexes.filter((index) => !existing.has(String(index.name)));
  if (missing.length > 0) await collection.createIndexes([...missing]);
}

function emptyIfNoCollection(error: unknown): Document[] {
  if (hasCode(error, namespaceNotFound)) return [];
  throw error;
}
