import { openEmbeddedStore } from './embedded/index.js';
import { resolveStoreSpec } from './resolve-store-spec.js';
import type { Store } from './store.js';

/**
 * Opens the store a command asked for (see {@link resolveStoreSpec}): a `mongodb://` or
 * `mongodb+srv://` URI is the MongoDB store (tuned by `ARBOR_MONGODB_RETRY_MS`), anything else a
 * directory for the embedded store. The MongoDB driver is loaded only for a MongoDB URI (it adds
 * about 20 MiB to a process that does not use it).
 */
export async function openStore(
  spec: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Store> {
  const resolved = resolveStoreSpec(spec, env);
  if (/^mongodb(\+srv)?:\/\//i.test(resolved)) {
    const { mongoOptionsFromEnv, openMongoStore } = await import('./mongodb/index.js');
    return openMongoStore(resolved, mongoOptionsFromEnv(env));
  }
  return openEmbeddedStore(resolved);
}
