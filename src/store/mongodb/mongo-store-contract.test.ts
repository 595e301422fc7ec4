import { describe } from 'vitest';
import { describeStoreContract } from '../../../test/store-contract.js';
import {
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import type { MongoStore } from './mongo-store.js';
import { openMongoStore } from './open-mongo-store.js';

describe.skipIf(mongoTestUri === undefined)('mongodb', () => {
  describeStoreContract('mongodb store', async () => {
    const uri = mongoTestUri!;
    const dbName = testDatabaseName('contract');
    const opened: MongoStore[] = [];
    const open = async () => {
      const store = await openMongoStore(uri, { dbName });
      opened.push(store);
      return store;
    };
    return {
      store: await open(),
      reopen: open,
      cleanup: async () => {
        for (const store of opened) await store.close();
        await dropTestDatabases([dbName]);
      },
    };
  });
});
