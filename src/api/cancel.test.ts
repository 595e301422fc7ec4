import { describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../test/support/cli.js';
import { at, sampleRun } from '../../test/support/sample-documents.js';
import { UsageError } from '../domain/index.js';
import { openStore } from '../store/index.js';
import { cancelRun } from './cancel.js';

describe('cancelRun', () => {
  it('leaves a run that completed after it was read completed: the cancel came too late', async () => {
    const store = await openStore(await makeTempDir());
    try {
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      // Read while it ran; its driver (another process: the run's lock is taken) completes it then.
      vi.spyOn(store, 'getRun').mockResolvedValueOnce({ ...run });
      vi.spyOn(store, 'acquireRun').mockRejectedValueOnce(new UsageError('the run is driven by another process'));
      const completed = await store.updateRun(run.id, { status: 'completed', endedAt: at(9) });
      expect(await cancelRun(store, run.id, { reason: 'too late', by: 'ana' })).toEqual({ kind: 'over', status: 'completed' });
      expect(await store.getRun(run.id)).toEqual(completed);
    } finally {
      await store.close();
    }
  });

  it('signals a run its driver elsewhere still runs', async () => {
    const store = await openStore(await makeTempDir());
    try {
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      vi.spyOn(store, 'acquireRun').mockRejectedValueOnce(new UsageError('the run is driven by another process'));
      expect(await cancelRun(store, run.id, { reason: 'wrong plan', by: 'ana' })).toEqual({ kind: 'signalled' });
      expect(await store.getRun(run.id)).toMatchObject({ status: 'cancelled', stopReason: { kind: 'cancelled', message: 'wrong plan' } });
    } finally {
      await store.close();
    }
  });
});
