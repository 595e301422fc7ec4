import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';

/**
 * The MongoDB server the tests use: `MONGODB_URI`, as `.ci/run` sets it after starting the test
 * server (`.ci/mongo-server/start.sh`). Unset, MongoDB tests are skipped with a notice.
 */
export const mongoTestUri: string | undefined = process.env.MONGODB_URI?.trim() || undefined;

if (mongoTestUri === undefined)
  console.warn(
    'MONGODB_URI not set: MongoDB tests skipped; see README (start one with .ci/mongo-server/start.sh)',
  );

/** A database name no other test file or run uses: `arbor_test_<label>_<random>`. */
export function testDatabaseName(label: string): string {
  return `arbor_test_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** A plain client on the test server, for raw reads and writes that go around the store. */
export async function connectTestClient(): Promise<MongoClient> {
  if (mongoTestUri === undefined) throw new Error('MONGODB_URI is not set');
  const client = new MongoClient(mongoTestUri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  return client;
}

/** Drops the given test databases. */
export async function dropTestDatabases(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const client = await connectTestClient();
  try {
    for (const name of names) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * A test database for one suite: a raw client opened before its tests, and after them the stores
 * it was handed closed, the client closed and the database dropped. Call inside a `describe`.
 */
export function useMongoTestDatabase(label: string, hooks: { beforeAll: (run: () => Promise<void>) => void; afterAll: (run: () => Promise<void>) => void }) {
  const dbName = testDatabaseName(label);
  const stores: Array<{ close(): Promise<void> }> = [];
  let raw: MongoClient | null = null;
  hooks.beforeAll(async () => {
    raw = await connectTestClient();
  });
  hooks.afterAll(async () => {
    for (const store of stores) await store.close();
    await raw?.close();
    await dropTestDatabases([dbName]);
  });
  return {
    dbName,
    /** The raw client (from the suite's first test on). */
    raw(): MongoClient {
      if (raw === null) throw new Error('the test database is not open yet (use it inside a test)');
      return raw;
    },
    /** Closes `store` after the suite. */
    track<S extends { close(): Promise<void> }>(store: S): S {
      stores.push(store);
      return store;
    },
  };
}
