import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Schedule } from '../domain/index.js';
import { openEmbeddedStore, type Store } from '../store/index.js';
import { makeTempDir } from '../../test/support/cli.js';
import { sampleRunner, sampleSchedule, type StartedTick } from '../../test/support/sample-schedule.js';
import { sampleRun } from '../../test/support/sample-documents.js';
import { ScheduleRunner } from './schedule-runner.js';
import { scheduledRunId } from './scheduled-run-id.js';
import { setSchedulePaused } from './schedules.js';

/** Minute `m` after 2026-01-01T00:00Z, with `s` seconds. */
const minute = (m: number, s = 0) => new Date(Date.UTC(2026, 0, 1, 0, m, s));
const iso = (m: number) => minute(m).toISOString();

describe('ScheduleRunner', () => {
  let store: Store;
  let clock: Date;
  /** The ticks whose runs were started, in order, and the runs they started. */
  let started: StartedTick[];
  let lines: string[];

  beforeEach(async () => {
    store = await openEmbeddedStore(await makeTempDir());
    clock = minute(0);
    started = [];
    lines = [];
  });
  afterEach(async () => {
    await store.close();
  });

  /** A runner on the store whose runs are real stored runs, left running until `finish`. */
  function runner(): ScheduleRunner {
    return sampleRunner({ store, now: () => clock, started, log: (line) => lines.push(line) });
  }

  async function add(overrides: Partial<Schedule>): Promise<Schedule> {
    const schedule = sampleSchedule({ createdAt: clock.toISOString(), ...overrides });
    await store.addSchedule(schedule);
    return schedule;
  }

  const finish = (runId: string) => store.updateRun(runId, { status: 'completed', endedAt: clock.toISOString() });
  const stored = async (name: string) => (await store.getSchedule(name))!;

  it('fires each tick once as it comes, however often it looks', async () => {
    const schedule = await add({ overlap: 'allow' });
    const fire = runner();
    for (const [m, s] of [[0, 30], [1, 0], [1, 1], [1, 30], [2, 2], [2, 3], [3, 0]] as const) {
      clock = minute(m, s);
      await fire.check();
    }
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(2), iso(3)]);
    expect(await stored(schedule.name)).toMatchObject({ fired: 3, skipped: 0, lastTick: iso(3), lastRunId: started[2]!.runId });
  });

  it('fires the latest tick missed while nothing ran once on start (catch-up once)', async () => {
    const schedule = await add({ catchUp: 'once', overlap: 'allow' });
    clock = minute(5, 30);
    await runner().check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(5)]);
    expect(await stored(schedule.name)).toMatchObject({ fired: 1, skipped: 4, lastTick: iso(5) });
  });

  it('records missed ticks skipped and fires none of them (catch-up skip), then fires the next on time', async () => {
    const schedule = await add({ catchUp: 'skip', overlap: 'allow' });
    clock = minute(5, 30);
    const fire = runner();
    await fire.check();
    expect(started).toEqual([]);
    expect(await stored(schedule.name)).toMatchObject({ fired: 0, skipped: 5, lastTick: iso(5) });
    clock = minute(6, 1);
    await fire.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(6)]);
  });

  it('counts a tick only a little late as on time, not missed', async () => {
    await add({ catchUp: 'skip' });
    clock = minute(1, 5);
    await runner().check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(1)]);
  });

  it('starts another run while the last is open (overlap allow)', async () => {
    await add({ overlap: 'allow' });
    const fire = runner();
    for (const m of [1, 2]) {
      clock = minute(m, 1);
      await fire.check();
    }
    expect(started).toHaveLength(2);
  });

  it('skips ticks while the last run is open, and fires again once it ended (overlap skip)', async () => {
    const schedule = await add({ overlap: 'skip' });
    const fire = runner();
    clock = minute(1, 1);
    await fire.check();
    clock = minute(2, 1);
    await fire.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(1)]);
    expect(await stored(schedule.name)).toMatchObject({ fired: 1, skipped: 1, lastTick: iso(2) });
    await finish(started[0]!.runId);
    clock = minute(3, 1);
    await fire.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(3)]);
  });

  it('queues one tick while the last run is open and fires it when that run ends (overlap queue)', async () => {
    const schedule = await add({ overlap: 'queue' });
    const fire = runner();
    for (const m of [1, 2, 3]) {
      clock = minute(m, 1);
      await fire.check();
    }
    // Tick 2 waits; tick 3 finds a tick waiting already and is skipped.
    expect(started.map((entry) => entry.tick)).toEqual([iso(1)]);
    expect(await stored(schedule.name)).toMatchObject({ queuedTick: iso(2), fired: 1, skipped: 1 });
    clock = minute(3, 20);
    await fire.check();
    expect(started).toHaveLength(1);
    await finish(started[0]!.runId);
    clock = minute(3, 30);
    await fire.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(2)]);
    expect(await stored(schedule.name)).toMatchObject({ queuedTick: null, fired: 2, lastRunId: started[1]!.runId });
  });

  it('fires nothing of a paused schedule, nor the ticks of its pause once resumed', async () => {
    const schedule = await add({ overlap: 'allow' });
    const fire = runner();
    await setSchedulePaused(store, schedule.name, true);
    clock = minute(3, 1);
    await fire.check();
    expect(started).toEqual([]);
    await setSchedulePaused(store, schedule.name, false, minute(3, 1));
    clock = minute(4, 1);
    await fire.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(4)]);
  });

  it('stops firing a schedule once it is removed', async () => {
    const schedule = await add({ overlap: 'allow' });
    const fire = runner();
    clock = minute(1, 1);
    await fire.check();
    await store.removeSchedule(schedule.name);
    clock = minute(2, 1);
    await fire.check();
    expect(started).toHaveLength(1);
  });

  it('fires each tick once across several runners on the same store', async () => {
    const schedule = await add({ overlap: 'allow', cron: '* * * * * *' });
    const runners = [runner(), runner(), runner()];
    for (let second = 1; second <= 5; second++) {
      clock = minute(0, second);
      await Promise.all(runners.map((each) => each.check()));
    }
    expect(started.map((entry) => entry.tick)).toEqual([1, 2, 3, 4, 5].map((s) => minute(0, s).toISOString()));
    expect((await stored(schedule.name)).fired).toBe(5);
  });

  it('records why a tick started no run', async () => {
    const schedule = await add({ overlap: 'allow' });
    const failing = new ScheduleRunner({
      store,
      now: () => clock,
      log: (line) => lines.push(line),
      start: () => Promise.reject(new Error('no model: set ARBOR_LLM')),
    });
    clock = minute(1, 1);
    await failing.check();
    expect(await stored(schedule.name)).toMatchObject({ fired: 1, lastError: 'no model: set ARBOR_LLM' });
    expect(lines.join('\n')).toContain('started no run: no model');
  });

  it('starts, once, the run of a tick whose process stopped between claiming it and storing its run', async () => {
    const schedule = await add({ overlap: 'allow' });
    // What the process did before it died: the tick is claimed, its run never stored.
    clock = minute(1, 1);
    await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: iso(1), skipped: 0 });
    // Within a minute of seeing it so, its claimer may still be starting it: nothing happens yet.
    const [first, second] = [runner(), runner()];
    clock = minute(1, 5);
    await Promise.all([first.check(), second.check()]);
    clock = minute(2, 4);
    await first.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(2)]);
    clock = minute(2, 5);
    await Promise.all([first.check(), second.check()]);
    const runId = scheduledRunId(schedule.name, iso(1));
    expect(started).toEqual([{ tick: iso(2), runId: scheduledRunId(schedule.name, iso(2)) }, { tick: iso(1), runId }]);
    expect(await store.getRun(runId)).not.toBeNull();
    expect(await stored(schedule.name)).toMatchObject({ fired: 2, firing: [], lastTick: iso(2) });
    expect(lines.join('\n')).toContain(`tick claimed by a process that stopped before starting it: ${iso(1)} started run ${runId}`);
    clock = minute(4, 0);
    await first.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(2), iso(1), iso(3), iso(4)]);
  });

  it('starts the run of a tick claimed before the schedule was paused, and nothing else of it', async () => {
    const schedule = await add({ overlap: 'allow' });
    clock = minute(1, 1);
    await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: iso(1), skipped: 0 });
    await setSchedulePaused(store, schedule.name, true);
    const look = runner();
    clock = minute(1, 10);
    await look.check();
    clock = minute(2, 15);
    await look.check();
    expect(started).toEqual([{ tick: iso(1), runId: scheduledRunId(schedule.name, iso(1)) }]);
    expect(await stored(schedule.name)).toMatchObject({ paused: true, firing: [] });
  });

  it('records the run a stopped process stored for its tick instead of starting another', async () => {
    const schedule = await add({ overlap: 'allow' });
    clock = minute(1, 1);
    await store.claimScheduleTick(schedule.name, { kind: 'fire', tick: iso(1), skipped: 0 });
    const { run, root } = sampleRun({ id: scheduledRunId(schedule.name, iso(1)) });
    await store.createRun(run, root);
    const look = runner();
    clock = minute(1, 30);
    await look.check();
    clock = minute(2, 30);
    await look.check();
    expect(started.map((entry) => entry.tick)).toEqual([iso(2)]);
    expect((await store.listRuns()).map((each) => each.id).sort()).toEqual([run.id, started[0]!.runId].sort());
    expect(lines.join('\n')).toContain(`its run ${run.id} is stored already`);
    expect(await stored(schedule.name)).toMatchObject({ firing: [] });
  });

  it('looks every pollMs through its injected sleep until stopped', async () => {
    await add({ overlap: 'allow' });
    let looks = 0;
    const fire = new ScheduleRunner({
      store,
      now: () => clock,
      log: () => undefined,
      pollMs: 30_000,
      start: (_schedule, tick) => {
        started.push({ tick, runId: `r-${tick}` });
        return Promise.resolve(`r-${tick}`);
      },
      sleep: (ms) => {
        looks++;
        clock = new Date(clock.getTime() + ms);
        if (looks === 7) void fire.stop();
        return Promise.resolve();
      },
    });
    fire.start();
    await new Promise<void>((resolve) => {
      const wait = () => (looks >= 7 ? resolve() : setTimeout(wait, 5));
      wait();
    });
    await fire.stop();
    // Looks at 0:00, 0:30, … 3:00 (the seventh sleep stops it): ticks 1, 2 and 3 fire once each.
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(2), iso(3)]);
  });
});
