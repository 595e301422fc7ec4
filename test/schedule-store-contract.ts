import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/domain/index.js';
import type { Store } from '../src/store/index.js';
import { sampleSchedule } from './support/sample-schedule.js';

const tick = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

/**
 * Schedules in the store contract (issue 16): stored by name, and each tick claimed by exactly one
 * claimer, whichever store instance (process) it uses.
 */
export function describeScheduleContract(stores: () => { store: Store; reopen: () => Promise<Store> }): void {
  describe('schedules', () => {
    it('stores, lists, gets and removes a schedule by name', async () => {
      const { store } = stores();
      const schedule = sampleSchedule();
      await store.addSchedule(schedule);
      expect(await store.getSchedule(schedule.name)).toEqual(schedule);
      expect((await store.listSchedules()).filter((listed) => listed.name === schedule.name)).toEqual([schedule]);
      expect(await store.removeSchedule(schedule.name)).toBe(true);
      expect(await store.getSchedule(schedule.name)).toBeNull();
      expect(await store.removeSchedule(schedule.name)).toBe(false);
    });

    it('refuses a second schedule of the same name and keeps the first', async () => {
      const { store } = stores();
      const schedule = sampleSchedule();
      await store.addSchedule(schedule);
      await expect(store.addSchedule({ ...schedule, cron: '0 9 * * 1' })).rejects.toSatisfy(
        (error) => error instanceof UsageError && error.message.includes(schedule.name),
      );
      expect((await store.getSchedule(schedule.name))?.cron).toBe(schedule.cron);
    });

    it('updates a schedule, moving its last tick only forward', async () => {
      const { store } = stores();
      const schedule = sampleSchedule({ lastTick: tick(5) });
      await store.addSchedule(schedule);
      expect(await store.updateSchedule(schedule.name, { paused: true, lastTick: tick(3) })).toMatchObject({
        paused: true,
        lastTick: tick(5),
      });
      expect(await store.updateSchedule(schedule.name, { paused: false, lastTick: tick(7), lastRunId: 'r-1' })).toMatchObject({
        paused: false,
        lastTick: tick(7),
        lastRunId: 'r-1',
      });
      expect(await store.updateSchedule('no-such-schedule', { paused: true })).toBeNull();
    });

    it('lets exactly one of many claimers across store instances claim a tick', async () => {
      const { store, reopen } = stores();
      const other = await reopen();
      const schedule = sampleSchedule();
      await store.addSchedule(schedule);
      const claims = await Promise.all(
        [store, other, store, other, store, other].map((claimer) =>
          claimer.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(1), skipped: 0 }),
        ),
      );
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
      expect(await other.getSchedule(schedule.name)).toMatchObject({ lastTick: tick(1), fired: 1, skipped: 0 });
      // The next tick is free again, an earlier one is not.
      expect(await other.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(2), skipped: 0 })).toMatchObject({
        lastTick: tick(2),
        fired: 2,
      });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(1), skipped: 0 })).toBeNull();
    });

    it('counts skipped ticks, queues one and lets exactly one claimer take the queued tick', async () => {
      const { store, reopen } = stores();
      const other = await reopen();
      const schedule = sampleSchedule();
      await store.addSchedule(schedule);
      expect(await store.claimScheduleTick(schedule.name, { kind: 'skip', tick: tick(4), skipped: 3 })).toMatchObject({
        lastTick: tick(4),
        skipped: 4,
        fired: 0,
      });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'queue', tick: tick(5), skipped: 0 })).toMatchObject({
        lastTick: tick(5),
        queuedTick: tick(5),
      });
      const takes = await Promise.all(
        [store, other, store, other].map((claimer) => claimer.claimScheduleTick(schedule.name, { kind: 'dequeue', tick: tick(5) })),
      );
      expect(takes.filter((take) => take !== null)).toHaveLength(1);
      expect(await store.getSchedule(schedule.name)).toMatchObject({ queuedTick: null, fired: 1, skipped: 4 });
    });

    it('lists the ticks claimed to fire until one claimer says each one\'s run started', async () => {
      const { store, reopen } = stores();
      const other = await reopen();
      const schedule = sampleSchedule({ overlap: 'allow' });
      await store.addSchedule(schedule);
      expect(await store.claimScheduleTick(schedule.name, { kind: 'skip', tick: tick(1), skipped: 0 })).toMatchObject({ firing: [] });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(2), skipped: 0 })).toMatchObject({ firing: [tick(2)] });
      expect(await other.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(3), skipped: 0 })).toMatchObject({
        firing: [tick(2), tick(3)],
      });
      const done = await Promise.all(
        [store, other].map((claimer) => claimer.claimScheduleTick(schedule.name, { kind: 'started', tick: tick(3) })),
      );
      expect(done.filter((claimed) => claimed !== null)).toHaveLength(1);
      expect(await other.getSchedule(schedule.name)).toMatchObject({ firing: [tick(2)], fired: 2, lastTick: tick(3) });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'started', tick: tick(9) })).toBeNull();
      // A queued tick taken to fire is listed too, and a pause does not keep its start from clearing it.
      await store.claimScheduleTick(schedule.name, { kind: 'queue', tick: tick(4), skipped: 0 });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'dequeue', tick: tick(4) })).toMatchObject({
        firing: [tick(2), tick(4)],
      });
      await store.updateSchedule(schedule.name, { paused: true });
      expect(await store.claimScheduleTick(schedule.name, { kind: 'started', tick: tick(2) })).toMatchObject({ firing: [tick(4)] });
    });

    it('claims nothing of a paused or removed schedule', async () => {
      const { store } = stores();
      const schedule = sampleSchedule({ paused: true });
      await store.addSchedule(schedule);
      expect(await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(1), skipped: 0 })).toBeNull();
      await store.removeSchedule(schedule.name);
      expect(await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: tick(1), skipped: 0 })).toBeNull();
    });
  });
}
