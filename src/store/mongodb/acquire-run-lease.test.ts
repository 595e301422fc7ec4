import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../domain/index.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import { sampleRun } from '../../../test/support/sample-documents.js';
import { expectTakenOverFromZombie } from '../../../test/support/zombie-process.js';
import type { MongoStore } from './mongo-store.js';
import { openMongoStore } from './open-mongo-store.js';

/** A process of this host that has already ended, and whose pid is therefore free. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

describe.skipIf(mongoTestUri === undefined)('mongodb run lease', () => {
  const dbName = testDatabaseName('lease');
  const stores: MongoStore[] = [];
  let raw: MongoClient;

  const open = async () => {
    const store = await openMongoStore(mongoTestUri!, { dbName });
    stores.push(store);
    return store;
  };
  /** Leaves a lease on the run as a driver with this pid and host would have, valid for an hour. */
  const leaveLease = async (runId: string, pid: number, host = hostname()) => {
    const acquiredAt = new Date();
    await raw
      .db(dbName)
      .collection('runs')
      .updateOne(
        { id: runId },
        {
          $set: {
            driver: {
              owner: 'crashed',
              pid,
              host,
              token: 'old',
              acquiredAt,
              expiresAt: new Date(Date.now() + 3_600_000),
            },
          },
        },
      );
  };

  beforeAll(async () => {
    raw = await connectTestClient();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await raw.close();
    await dropTestDatabases([dbName]);
  });

  it('takes over at once a run whose driver was killed on this host, without waiting for its lease', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await leaveLease(run.id, await deadPid());
    expect((await store.listOrphanedRuns()).map((orphan) => orphan.id)).toContain(run.id);

    const lock = await store.acquireRun(run.id, 'resume');
    expect((await store.listOrphanedRuns()).map((orphan) => orphan.id)).not.toContain(run.id);
    const stored = await raw.db(dbName).collection('runs').findOne({ id: run.id });
    expect(stored?.driver).toMatchObject({ owner: 'resume', pid: process.pid });
    await lock.release();
  });

  it.runIf(process.platform === 'linux')(
    'takes over a run whose driver was killed and not reaped yet (a zombie)',
    async () => {
      const store = await open();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      await expectTakenOverFromZombie(store, run.id, (pid) => leaveLease(run.id, pid));
    },
  );

  it('still refuses a run whose driver is alive on this host, or runs on another host', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      await leaveLease(run.id, alive.pid!);
      await expect(store.acquireRun(run.id, 'resume')).rejects.toSatisfy(
        (error) => error instanceof UsageError && error.message.includes(`pid ${alive.pid} on ${hostname()}`),
      );
    } finally {
      alive.kill('SIGKILL');
    }
    await leaveLease(run.id, await deadPid(), 'another-host.example');
    await expect(store.acquireRun(run.id, 'resume')).rejects.toBeInstanceOf(UsageError);
    // Another host's holder is an orphan only once its lease ran out.
    const orphans = async () => (await store.listOrphanedRuns()).map((orphan) => orphan.id);
    expect(await orphans()).not.toContain(run.id);
    await raw
      .db(dbName)
      .collection('runs')
      .updateOne({ id: run.id }, { $set: { 'driver.expiresAt': new Date(Date.now() - 1) } });
    expect(await orphans()).toContain(run.id);
  });
});
