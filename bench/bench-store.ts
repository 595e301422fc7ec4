import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore, type Store } from '../src/store/index.js';

/** Which store a benchmark run lives in. */
export type BenchStoreKind = 'embedded' | 'mongodb';

/** A store of its own for one benchmark run, and how to remove it afterwards. */
export interface BenchStore {
  store: Store;
  remove(): Promise<void>;
}

/** The MongoDB server for MongoDB variants (`MONGODB_URI`), or undefined to skip them. */
export function benchMongoUri(): string | undefined {
  return process.env.MONGODB_URI?.trim() || undefined;
}

/**
 * Opens a fresh store: the embedded store in a new temp directory, or a new database
 * `arbor_bench_<random>` on `MONGODB_URI`. `remove()` closes it and deletes what it stored.
 */
export async function openBenchStore(kind: BenchStoreKind): Promise<BenchStore> {
  if (kind === 'embedded') {
    const dir = await mkdtemp(path.join(tmpdir(), 'arbor-bench-'));
    const store = await openEmbeddedStore(path.join(dir, '.arbor'));
    return {
      store,
      async remove() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const uri = benchMongoUri();
  if (uri === undefined) throw new Error('the MongoDB variant needs MONGODB_URI');
  const dbName = `arbor_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  // Loaded only here, as `arbor` loads the driver only for a MongoDB store.
  const [{ MongoClient }, { openMongoStore }] = await Promise.all([
    import('mongodb'),
    import('../src/store/mongodb/index.js'),
  ]);
  const store = await openMongoStore(uri, { dbName });
  return {
    store,
    async remove() {
      await store.close();
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.connect();
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
