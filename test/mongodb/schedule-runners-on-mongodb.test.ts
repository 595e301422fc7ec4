import { describe, expect, it, onTestFinished } from 'vitest';
import type { Schedule } from '../../src/domain/index.js';
import { openMongoStore } from '../../src/store/mongodb/open-mongo-store.js';
import type { Store } from '../../src/store/index.js';
import { sampleRunner, sampleSchedule, type StartedTick } from '../support/sample-schedule.js';
import { dropTestDatabases, mongoTestUri, testDatabaseName } from '../support/mongodb-test-database.js';

const second = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const iso = (s: number) => second(s).toISOString();

/**
 * Three runners, each on a store connection of its own (as three processes would have), sharing one
 * clock: the policies hold across them, not only within one.
 */
describe.skipIf(mongoTestUri === undefined)('schedule runners sharing MongoDB', () => {
  async function setup(overrides: Partial<Schedule>) {
    const dbName = testDatabaseName('schedule_runners');
    const stores: Store[] = [];
    for (let index = 0; index < 3; index++) stores.push(await openMongoStore(mongoTestUri!, { dbName }));
    onTestFinished(async () => {
      for (const store of stores) await store.close();
      await dropTestDatabases([dbName]);
    });
    const schedule = sampleSchedule({ cron: '* * * * * *', createdAt: iso(0), ...overrides });
    await stores[0]!.addSchedule(schedule);
    const clock = { now: second(0) };
    const started: StartedTick[] = [];
    const runners = stores.map((store) => sampleRunner({ store, now: () => clock.now, started }));
    const look = async (s: number) => {
      clock.now = second(s);
      await Promise.all(runners.map((runner) => runner.check()));
    };
    const stored = async () => (await stores[1]!.getSchedule(schedule.name))!;
    return { store: stores[0]!, started, look, stored };
  }

  /** Seconds `from`…`to`, as ticks. */
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => iso(from + index));

  // At 0:40 with a 10 s grace, ticks 1…30 were missed and 31…40 are on time.
  it('fire the latest missed tick once between them on start (catch-up once), then the ticks on time', async () => {
    const { started, look, stored } = await setup({ catchUp: 'once', overlap: 'allow' });
    await look(40);
    expect(started.map((entry) => entry.tick).sort()).toEqual(range(30, 40));
    expect(await stored()).toMatchObject({ fired: 11, skipped: 29, lastTick: iso(40) });
  });

  it('skip the missed ticks once between them (catch-up skip), and fire the ticks on time', async () => {
    const { started, look, stored } = await setup({ catchUp: 'skip', overlap: 'allow' });
    await look(40);
    expect(started.map((entry) => entry.tick).sort()).toEqual(range(31, 40));
    expect(await stored()).toMatchObject({ fired: 10, skipped: 30, lastTick: iso(40) });
  });

  it('queue one tick while the run is open, and fire it once when it ends (overlap queue)', async () => {
    const { store, started, look, stored } = await setup({ overlap: 'queue' });
    for (const s of [1, 2, 3, 4]) await look(s);
    expect(started.map((entry) => entry.tick)).toEqual([iso(1)]);
    expect(await stored()).toMatchObject({ queuedTick: iso(2), fired: 1, skipped: 2 });
    await store.updateRun(started[0]!.runId, { status: 'completed' });
    await look(4);
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(2)]);
    expect(await stored()).toMatchObject({ queuedTick: null, fired: 2, lastRunId: started[1]!.runId });
  });

  it('skip ticks while the run is open (overlap skip)', async () => {
    const { store, started, look, stored } = await setup({ overlap: 'skip' });
    for (const s of [1, 2, 3]) await look(s);
    await store.updateRun(started[0]!.runId, { status: 'failed' });
    await look(4);
    expect(started.map((entry) => entry.tick)).toEqual([iso(1), iso(4)]);
    expect(await stored()).toMatchObject({ fired: 2, skipped: 2 });
  });
});
