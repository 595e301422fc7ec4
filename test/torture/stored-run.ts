import { MongoClient } from 'mongodb';
import type { NodeEvent, Run, TaskNode } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';
import { databaseUri } from '../support/mongodb-cli.js';

/** A store the torture runs against: the embedded store in a directory, or a MongoDB server. */
export type StoreTarget = { kind: 'embedded' } | { kind: 'mongodb'; uri: string };

/** What a store holds of one run, read while no process drives it. */
export interface StoredRun {
  run: Run | null;
  nodes: TaskNode[];
  events: NodeEvent[];
}

/**
 * Reads a run through the store's own code, in this process (DESIGN §4: readers may open a store
 * another process used; after a kill nobody else holds it). Only reads: nothing is written.
 */
export async function readStoredRun(spec: string, runId: string): Promise<StoredRun> {
  const store = await openStore(spec, {});
  try {
    const [run, nodes, events] = await Promise.all([
      store.getRun(runId),
      store.listNodes(runId),
      store.listEvents(runId),
    ]);
    return { run, nodes, events };
  } finally {
    await store.close();
  }
}

/**
 * The `--store` value for one torture run: a directory under `dir`, or a database of its own on
 * the MongoDB server (named `arbor_torture_<label>`, dropped by {@link dropStore}).
 */
export function storeSpecFor(target: StoreTarget, dir: string, label: string): string {
  return target.kind === 'embedded' ? dir : databaseUri(target.uri, `arbor_torture_${label}`);
}

/** Drops the MongoDB database of a torture run (embedded directories go with the work directory). */
export async function dropStore(target: StoreTarget, spec: string): Promise<void> {
  if (target.kind !== 'mongodb') return;
  const client = new MongoClient(spec, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}
