import { mongoTestUri } from './mongodb-test-database.js';

/** A store an engine suite can run on. */
export type StoreKind = 'embedded' | 'mongodb';

/**
 * The stores the engine suites run on: the embedded store always, MongoDB when `MONGODB_URI` is set
 * (CI always sets it; without it the MongoDB test helper prints the skip notice once).
 */
export function storesUnderTest(): StoreKind[] {
  return mongoTestUri === undefined ? ['embedded'] : ['embedded', 'mongodb'];
}
