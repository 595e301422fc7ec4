import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunTakenOverError, UsageError } from '../../domain/index.js';
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

  const open = async (leaseMs?: number) => {
    const store = await openMongoStore(mongoTestUri!, { dbName, ...(leaseMs ? { leaseMs } : {}) });
    stores.push(store);
    return store;
  };
  /** Another process's lease on the run, as a server that took it over after ours lapsed leaves it. */
  const takeOver = (runId: string) =>
    leaveLease(runId, 4242, 'elsewhere.example', { owner: 'second-server', token: 'second' });
  const storedRun = (runId: string) =>
    raw
      .db(dbName)
      .collection('runs')
      .findOne({ id: runId }, { projection: { _id: 0 } });
  /** Blocks this process's event loop, as a long pause (GC, SIGSTOP, a suspended VM) would: no timer runs meanwhile. */
  const freeze = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  /** Leaves a lease on the run as a driver with this pid and host would have, valid for an hour. */
  const leaveLease = async (
    runId: string,
    pid: number,
    host = hostname(),
    { owner, token } = { owner: 'crashed', token: 'old' },
  ) => {
    const acquiredAt = new Date();
    await raw
      .db(dbName)
      .collection('runs')
      .updateOne(
        { id: runId },
        {
          $set: {
            driver: {
              owner,
              pid,
              host,
              token,
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

  it('tells the holder once another process took the run over, and refuses its writes of the run from then on', async () => {
    // Renewed every 100 ms: the first renewal after the take-over finds the lease gone.
    const store = await open(300);
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const lock = await store.acquireRun(run.id, 'first-server');
    await takeOver(run.id);
    await once(lock.lost, 'abort');
    const reason = lock.lost.reason as RunTakenOverError;
    expect(reason).toBeInstanceOf(RunTakenOverError);
    expect(reason.message).toContain('second-server (pid 4242 on elsewhere.example) holds it now');

    const before = await storedRun(run.id);
    await expect(store.updateRun(run.id, { status: 'failed' })).rejects.toBeInstanceOf(RunTakenOverError);
    const node = (await store.getNode(run.id, root.id))!;
    await expect(
      store.updateNode({
        runId: run.id,
        nodeId: root.id,
        expectedVersion: node.version,
        patch: { version: node.version + 1, title: 'changed by the first server' },
        current: node,
      }),
    ).rejects.toBeInstanceOf(RunTakenOverError);
    await expect(
      store.insertNodes([{ ...root, id: '0.9', parentId: root.id, title: 'a child of the first server' }]),
    ).rejects.toBeInstanceOf(RunTakenOverError);
    // Releasing a lost lease leaves the new holder's alone.
    await lock.release();
    expect(await storedRun(run.id)).toEqual(before);
    expect(await store.getNode(run.id, root.id)).toEqual(node);
    expect(await store.getNode(run.id, '0.9')).toBeNull();
  });

  it('confirms the lease before a write once renewals could not get through, and refuses the write if the run was taken', async () => {
    // Renewed every 500 ms; a pause of 1.1 s misses two renewals, so the lease may have lapsed.
    const store = await open(1_500);
    const { run, root } = sampleRun();
    await store.createRun(run, root);

    const kept = await store.acquireRun(run.id, 'first-server');
    freeze(1_100);
    // Still ours: the write goes out once a renewal made now confirms it.
    await expect(store.updateRun(run.id, { nodeCount: 2 })).resolves.toMatchObject({ nodeCount: 2 });
    expect(kept.lost.aborted).toBe(false);
    await kept.release();

    const lock = await store.acquireRun(run.id, 'first-server');
    // Taken before the first renewal, then a pause: no renewal saw it, so only the write's own check can.
    await takeOver(run.id);
    freeze(1_100);
    await expect(store.updateRun(run.id, { status: 'failed' })).rejects.toBeInstanceOf(RunTakenOverError);
    expect(lock.lost.aborted).toBe(true);
    expect(await storedRun(run.id)).toMatchObject({
      status: 'running',
      nodeCount: 2,
      driver: { token: 'second' },
    });
    await lock.release();
  });
});
