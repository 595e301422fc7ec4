import path from 'node:path';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';
import { openMongoStore } from '../../src/store/mongodb/index.js';
import type { StoreKind } from './stores-under-test.js';

/** Where a test harness keeps its runs: every `open()` is a new store instance, as another process would open it. */
export interface HarnessStorage {
  open(): Promise<Store>;
  /** Removes what the harness stored (the MongoDB database; the temp dir is the harness's own). */
  remove(): Promise<void>;
}

/**
 * The storage of one harness: the embedded store under `dir/.arbor`, or a fresh MongoDB database
 * on `MONGODB_URI`, dropped by `remove()`.
 */
export async function harnessStorage(kind: StoreKind, dir: string): Promise<HarnessStorage> {
  if (kind === 'embedded')
    return { open: () => openEmbeddedStore(path.join(dir, '.arbor')), remove: () => Promise.resolve() };
  // Loaded only here, so that harness users on the embedded store never print its skip notice.
  const { dropTestDatabases, mongoTestUri, testDatabaseName } = await import('./mongodb-test-database.js');
  if (mongoTestUri === undefined) throw new Error('the mongodb harness store needs MONGODB_URI');
  const uri = mongoTestUri;
  const dbName = testDatabaseName('engine');
  return { open: () => openMongoStore(uri, { dbName }), remove: () => dropTestDatabases([dbName]) };
}
