/**
 * Child process for the open-store test: opens the store named by argv[2] (errors are printed, not
 * thrown) and prints whether the MongoDB driver was loaded, as one JSON line.
 */
import { createRequire } from 'node:module';
import { openStore } from '../../src/store/index.js';

const spec = process.argv[2] ?? '.arbor';
let opened = 'opened';
try {
  const store = await openStore(spec, { ARBOR_MONGODB_RETRY_MS: '300' });
  await store.close();
} catch (error) {
  opened = error instanceof Error ? error.name : 'error';
}
// The driver is CommonJS: importing it, even from ESM, puts it in the CommonJS module cache.
const loaded = Object.keys(createRequire(import.meta.url).cache).some((file) =>
  file.includes(`node_modules/mongodb/`),
);
process.stdout.write(`${JSON.stringify({ opened, driverLoaded: loaded })}\n`);
