import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';
import { resolveStoreSpec } from './resolve-store-spec.js';

describe('resolveStoreSpec', () => {
  it('prefers --store, then ARBOR_STORE, then MONGODB_URI, then .arbor', () => {
    const env = { ARBOR_STORE: 'from-env', MONGODB_URI: 'mongodb://db' };
    expect(resolveStoreSpec('from-flag', env)).toBe('from-flag');
    expect(resolveStoreSpec(undefined, env)).toBe('from-env');
    expect(resolveStoreSpec(undefined, { MONGODB_URI: 'mongodb://db' })).toBe('mongodb://db');
    expect(resolveStoreSpec(undefined, {})).toBe('.arbor');
  });

  it('treats an empty setting as unset', () => {
    expect(resolveStoreSpec('', { ARBOR_STORE: ' ' })).toBe('.arbor');
  });
});

describe('openStore', () => {
  it('opens the embedded store for a directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'arbor-open-'));
    try {
      const store = await openStore(undefined, { ARBOR_STORE: join(directory, 'store') });
      expect(store).toMatchObject({ kind: 'embedded', location: join(directory, 'store') });
      expect(await store.listRuns()).toEqual([]);
      await store.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('loads the MongoDB driver only for a MongoDB URI', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'arbor-open-'));
    const opening = async (spec: string) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'test/support/driver-loaded.ts', spec],
        { cwd: join(import.meta.dirname, '../..') },
      );
      return JSON.parse(stdout.trim()) as { opened: string; driverLoaded: boolean };
    };
    try {
      expect(await opening(join(directory, 'store'))).toEqual({ opened: 'opened', driverLoaded: false });
      // Nothing listens on port 9: the open fails, but only after the driver was loaded for it.
      expect(await opening('mongodb://127.0.0.1:9/arbor')).toEqual({
        opened: 'UsageError',
        driverLoaded: true,
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
