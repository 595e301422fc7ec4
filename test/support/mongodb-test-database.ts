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
