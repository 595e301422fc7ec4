import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Run, Schedule } from '../../src/domain/index.js';
import { makeTempDir, runCli, startCli, waitFor } from '../support/cli.js';
import { databaseUri } from '../support/mongodb-cli.js';
import { connectTestClient, dropTestDatabases, mongoTestUri, testDatabaseName } from '../support/mongodb-test-database.js';

/** Worker processes start, fire and stop one after the other: more than the default 30 s on a busy machine. */
const slowProcesses = { timeout: 150_000 };

const planText = `name: tick
version: 1
steps:
  - key: check
    title: Check the tick
    prompt: Check the tick
`;

const scriptText = `defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'checked', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** Ticks to see fired before the workers stop. */
const ticks = 5;

describe.skipIf(mongoTestUri === undefined)('schedules fired by workers on MongoDB', () => {
  it('three workers fire a one-second schedule exactly once per tick, with no tick left out', slowProcesses, async () => {
    const dbName = testDatabaseName('schedules');
    const raw = await connectTestClient();
    onTestFinished(async () => {
      await raw.close();
      await dropTestDatabases([dbName]);
    });
    const uri = databaseUri(mongoTestUri!, dbName);
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'tick.yaml'), planText);
    await writeFile(path.join(cwd, 'script.yaml'), scriptText);
    const db = raw.db(dbName);

    const workers = ['w1', 'w2', 'w3'].map((id) =>
      startCli(['worker', '--store', uri, '--id', id, '--llm', 'script:script.yaml', '--lease-ms', '2000', '--grace-ms', '2000'], { cwd }),
    );
    // The schedule is added once the workers are up: every tick after it is one a worker was there for.
    await waitFor('three live workers', async () => (await db.collection('workers').countDocuments()) === 3, 60_000);
    const added = await runCli(
      ['schedule', 'add', 'every-second', '--cron', '* * * * * *', '--plan', 'tick.yaml', '--overlap', 'allow', '--timezone', 'UTC', '--store', uri],
      { cwd },
    );
    expect(added.code, added.stderr).toBe(0);
    const schedules = db.collection<Schedule>('schedules');
    await waitFor(`${ticks} ticks fired`, async () => ((await schedules.findOne({ name: 'every-second' }))?.fired ?? 0) >= ticks, 60_000);
    expect((await runCli(['schedule', 'pause', 'every-second', '--store', uri], { cwd })).code).toBe(0);
    for (const worker of workers) worker.child.kill('SIGTERM');
    const results = await Promise.all(workers.map((worker) => worker.exited));
    for (const result of results) expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);

    const schedule = (await schedules.findOne({ name: 'every-second' }))!;
    const runs = await db.collection<Run>('runs').find({ 'schedule.name': 'every-second' }).toArray();
    const fired = runs.map((run) => run.schedule!.tick).sort();
    // One run per tick: as many runs as fired ticks, no tick twice.
    expect(new Set(fired).size).toBe(fired.length);
    expect(fired.length).toBe(schedule.fired);
    // Left to the workers, stored as such (so a serve that starts does not take them up).
    expect(runs.every((run) => run.detached === true)).toBe(true);
    expect(schedule.skipped).toBe(0);
    expect(schedule.lastTick).toBe(fired.at(-1));
    // No gap: every second from the first tick after the schedule was added to the last one claimed.
    const first = Math.floor(new Date(schedule.createdAt).getTime() / 1000) * 1000 + 1000;
    const expected = Array.from({ length: fired.length }, (_, index) => new Date(first + index * 1000).toISOString());
    expect(fired).toEqual(expected);
    // Each tick's run was started by exactly one worker, as its log says.
    const startedLines = results.flatMap((result) => result.stdout.split('\n').filter((line) => line.includes('every-second: tick')));
    expect(startedLines.length).toBe(fired.length);
    const byWorker = new Map<string, number>();
    for (const line of startedLines) {
      const worker = /^worker (w\d):/.exec(line)?.[1] ?? '?';
      byWorker.set(worker, (byWorker.get(worker) ?? 0) + 1);
    }
    console.log(`ticks fired per worker: ${JSON.stringify(Object.fromEntries(byWorker))}`);
    const shown = await runCli(['schedule', 'list', '--store', uri], { cwd });
    expect(shown.stdout).toMatch(new RegExp(`every-second .* allow\\s+paused\\s+${schedule.fired}\\s+0\\s+${schedule.lastRunId} (running|completed)`));
    const listed = await runCli(['runs', '--store', uri], { cwd });
    expect(listed.stdout.split('\n').filter((line) => line.includes('[schedule every-second]'))).toHaveLength(fired.length);
    // The workers drove the runs they stored: the runs of the ticks are done or on their way.
    const completed = runs.filter((run) => run.status === 'completed').length;
    expect(completed).toBeGreaterThan(0);
  });
});
