import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';
import { openMongoStore } from '../../src/store/mongodb/index.js';
import type { StoreKind } from './stores-under-test.js';

/** Where a test harness keeps its runs: every `open()` is a new store instance, as another process would open it. */
export interface HarnessStorage {
  open(): Promise<Store>;
  /** Removes what the harness stored (the MongoDB database; the temp dir is the harness's own). */
  remove(): Promise<void>;
  /**
   * Has another process take the run (`acquireRun`) and keep it, as a server driving it would;
   * `kill()` ends that process with SIGKILL, so that it never lets go.
   */
  holdElsewhere(runId: string): Promise<{ kill: () => Promise<void> }>;
}

const repository = path.join(import.meta.dirname, '..', '..');

/** Runs `test/support/run-holder.ts` with `args` until it holds the run. */
async function holdIn(args: string[]): Promise<{ kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/run-holder.ts', ...args], {
    cwd: repository,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('held')) break;
  }
  if (!out.includes('held')) throw new Error('the run holder exited before it held the run');
  return {
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The storage of one harness: the embedded store under `dir/.arbor`, or a fresh MongoDB database
 * on `MONGODB_URI`, dropped by `remove()`.
 */
export async function harnessStorage(kind: StoreKind, dir: string): Promise<HarnessStorage> {
  if (kind === 'embedded') {
    const storeDir = path.join(dir, '.arbor');
    return {
      open: () => openEmbeddedStore(storeDir),
      remove: () => Promise.resolve(),
      holdElsewhere: (runId) => holdIn(['embedded', storeDir, runId]),
    };
  }
  // Loaded only here, so that harness users on the embedded store never print its skip notice.
  const { dropTestDatabases, mongoTestUri, testDatabaseName } = await import('./mongodb-test-database.js');
  if (mongoTestUri === undefined) throw new Error('the mongodb harness store needs MONGODB_URI');
  const uri = mongoTestUri;
  const dbName = testDatabaseName('engine');
  return {
    open: () => openMongoStore(uri, { dbName }),
    remove: () => dropTestDatabases([dbName]),
    holdElsewhere: (runId) => holdIn(['mongodb', uri, dbName, runId]),
  };
}
