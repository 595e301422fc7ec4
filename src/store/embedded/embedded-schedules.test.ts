import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/cli.js';
import { sampleSchedule } from '../../../test/support/sample-schedule.js';
import { openEmbeddedStore } from './embedded-store.js';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Runs `test/support/tick-claimer.ts`: the ticks this process won. */
function claimTicks(directory: string, name: string, count: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/tick-claimer.ts', directory, name, String(count)], {
    cwd: repository,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(output.split('\n').filter((line) => line.startsWith('won ')).map((line) => line.slice(4)))
        : reject(new Error(`tick claimer exited ${code}: ${errors}`)),
    );
  });
}

describe('embedded schedules across processes', () => {
  it('lets exactly one of three processes sharing the folder claim each tick', { timeout: 60_000 }, async () => {
    const directory = await makeTempDir();
    const store = await openEmbeddedStore(directory);
    const schedule = sampleSchedule({ cron: '* * * * * *' });
    await store.addSchedule(schedule);
    const count = 30;
    const won = (await Promise.all([1, 2, 3].map(() => claimTicks(directory, schedule.name, count)))).flat();
    expect(won).toHaveLength(new Set(won).size);
    // Every claimer claims every tick in order: each tick goes to one of them, none is left out.
    expect(won.sort()).toEqual(
      Array.from({ length: count }, (_, index) => new Date(Date.UTC(2026, 0, 1, 0, 0, index + 1)).toISOString()),
    );
    expect(await store.getSchedule(schedule.name)).toMatchObject({ fired: count, lastTick: won.at(-1) });
    await store.close();
  });
});
