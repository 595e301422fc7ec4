import type { IndexDescription } from 'mongodb';
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

/**
 * Creates the indexes if they are missing. `createIndexes` with the same names and keys is a no-op
 * on a database that has them, so every open may call it.
 */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  await Promise.all([
    collections.runs.createIndexes([...mongoIndexes.runs]),
    collections.nodes.createIndexes([...mongoIndexes.nodes]),
    collections.events.createIndexes([...mongoIndexes.events]),
    collections.calls.createIndexes([...mongoIndexes.calls]),
    collections.workers.createIndexes([...mongoIndexes.workers]),
    collections.schedules.createIndexes([...mongoIndexes.schedules]),
  ]);
}
