// Holds a run, as another process driving it would, until it is killed; prints "held" once it does.
//   node --import tsx test/support/run-holder.ts embedded STORE_DIR RUN
//   node --import tsx test/support/run-holder.ts mongodb URI DB_NAME RUN
import { openEmbeddedStore } from '../../src/store/index.js';
import { openMongoStore } from '../../src/store/mongodb/index.js';

const [kind, where, second, third] = process.argv.slice(2);
const store =
  kind === 'embedded' ? await openEmbeddedStore(where!) : await openMongoStore(where!, { dbName: second! });
await store.acquireRun((kind === 'embedded' ? second : third)!, 'a process that will be killed');
process.stdout.write('held\n');
setInterval(() => undefined, 60_000);
