import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateConflictError, type TaskNode } from '../domain/index.js';
import { openEmbeddedStore, type Store } from '../store/index.js';
import { makeTempDir } from '../../test/support/cli.js';
import { sampleChild, sampleRun } from '../../test/support/sample-documents.js';
import { refuseWorkedRun } from './refuse-worked-run.js';

describe('refuseWorkedRun', () => {
  let store: Store;
  const now = Date.parse('2026-12-06T12:00:00.000Z');
  const { run, root } = sampleRun();
  const detached = { ...run, detached: true };
  const leased = (owner: string, expiresInMs: number): TaskNode => ({
    ...sampleChild(root, 0),
    status: 'running',
    lease: { owner, token: 't', expiresAt: new Date(now + expiresInMs).toISOString() },
  });

  beforeEach(async () => {
    store = await openEmbeddedStore(await makeTempDir());
    const beat = new Date().toISOString();
    await store.heartbeat({ id: 'w1', host: 'h', pid: 1, roles: ['executor'], concurrency: 2, startedAt: beat, heartbeatAt: beat, running: [] });
  });
  afterEach(() => store.close());

  it('refuses a detached run while a live worker holds one of its nodes, naming the worker', async () => {
    const refused = refuseWorkedRun(store, detached, [root, leased('w1', 5_000)], now);
    await expect(refused).rejects.toBeInstanceOf(StateConflictError);
    await expect(refused).rejects.toThrow(`run ${run.id} is being worked on by arbor worker w1`);
  });

  it('refuses a run that workers took over from a driver that died (not detached) alike', async () => {
    await expect(refuseWorkedRun(store, run, [root, leased('w1', 5_000)], now)).rejects.toThrow(`run ${run.id} is being worked on by arbor worker w1`);
  });

  it('lets it go when the lease ran out, or its holder has no heartbeat', async () => {
    await refuseWorkedRun(store, detached, [root, leased('w1', -1)], now);
    await refuseWorkedRun(store, detached, [root, leased('gone', 5_000)], now);
    await refuseWorkedRun(store, run, [root, leased('gone', 5_000)], now);
    await refuseWorkedRun(store, run, [root], now);
  });
});
