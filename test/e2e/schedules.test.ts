import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../support/cli.js';

/** A plan with one required param. */
const planText = `name: nightly
version: 1
params:
  target: { type: string, required: true }
steps:
  - key: check
    title: Check {{params.target}}
    prompt: Check {{params.target}}
`;

/** A workspace with `nightly.yaml`, and how to run `arbor schedule …` on its embedded store. */
async function workspace() {
  const cwd = await makeTempDir();
  await writeFile(path.join(cwd, 'nightly.yaml'), planText);
  const schedule = (...args: string[]) => runCli(['schedule', ...args, '--store', 'store'], { cwd });
  const stored = async () => {
    const files = await readdir(path.join(cwd, 'store', 'schedules')).catch(() => []);
    return files.filter((file) => file.endsWith('.json'));
  };
  return { cwd, schedule, stored };
}

const add = ['add', 'nightly', '--cron', '0 9 * * 1', '--plan', 'nightly.yaml', '--set', 'target=api', '--timezone', 'Europe/Paris'];

describe('arbor schedule', () => {
  it('adds a schedule, lists it with its next tick in its time zone, pauses, resumes and removes it', async () => {
    const { schedule } = await workspace();
    const added = await schedule(...add, '--overlap', 'queue');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Schedule nightly added: plan nightly, "0 9 \* \* 1" in Europe\/Paris, next tick \d{4}-\d\d-\d\d 09:00:00 Europe\/Paris/);

    const listed = await schedule('list');
    expect(listed.stdout).toMatch(/^NAME\s+CRON\s+NEXT TICK/m);
    expect(listed.stdout).toMatch(/nightly\s+0 9 \* \* 1 \(Europe\/Paris\)\s+\d{4}-\d\d-\d\d 09:00:00 Europe\/Paris\s+once\s+queue\s+active\s+0\s+0\s+-/);
    const json = JSON.parse((await schedule('list', '--json')).stdout) as Array<{ schedule: Record<string, unknown>; nextTick: string }>;
    expect(json).toHaveLength(1);
    expect(json[0]!.schedule).toMatchObject({ name: 'nightly', params: { target: 'api' }, catchUp: 'once', overlap: 'queue', paused: false });
    expect(json[0]!.schedule.plan).toMatchObject({ name: 'nightly', text: planText });
    // Mondays at 9:00 in Paris are 8:00 or 7:00 UTC.
    expect(new Date(json[0]!.nextTick).getUTCDay()).toBe(1);
    expect([7, 8]).toContain(new Date(json[0]!.nextTick).getUTCHours());

    expect((await schedule('pause', 'nightly')).stdout).toContain('Schedule nightly paused.');
    expect((await schedule('list')).stdout).toMatch(/nightly\s+.*\s+-\s+once\s+queue\s+paused/);
    expect((await schedule('resume', 'nightly')).stdout).toContain('Schedule nightly resumed.');
    expect((await schedule('list')).stdout).toMatch(/queue\s+active/);
    expect((await schedule('remove', 'nightly')).stdout).toContain('Schedule nightly removed.');
    expect((await schedule('list')).stdout).toContain('No schedules.');
  });

  it.each([
    ['a bad cron expression', ['--cron', '0 9 * *'], /"0 9 \* \*" is not a cron expression/],
    ['a value out of range', ['--cron', '61 * * * *'], /is not a cron expression: .*minute/],
    ['a seventh field', ['--cron', '* * * * * * *'], /"\* \* \* \* \* \* \*" has 7 fields, not five or six/],
    ['a bad time zone', ['--timezone', 'Mars/Base'], /"Mars\/Base" is not a time zone/],
    ['an unknown plan', ['--plan', 'no-such-plan'], /no plan "no-such-plan"/],
    ['a missing required param', ['--set', 'other=1'], /param "target" is required/],
    ['a bad policy', ['--catch-up', 'twice'], /argument 'twice' is invalid/],
  ])('refuses %s with exit 2 and stores nothing', async (_what, change, message) => {
    const { schedule, stored } = await workspace();
    const args = [...add];
    // The flag replaces the one `add` has, or comes on top.
    const at = args.indexOf(change[0]!);
    if (at >= 0) args.splice(at, 2, ...change);
    else args.push(...change);
    const result = await schedule(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await stored()).toEqual([]);
  });

  it('refuses a second schedule of the same name with exit 2, keeping the first', async () => {
    const { schedule, stored } = await workspace();
    expect((await schedule(...add)).code).toBe(0);
    const again = await schedule('add', 'nightly', '--cron', '* * * * *', '--plan', 'nightly.yaml', '--set', 'target=web');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a schedule named "nightly" already exists');
    expect(again.stderr).toContain('arbor schedule remove nightly');
    expect(await stored()).toEqual(['nightly.json']);
    const json = JSON.parse((await schedule('list', '--json')).stdout) as Array<{ schedule: { cron: string } }>;
    expect(json.map((entry) => entry.schedule.cron)).toEqual(['0 9 * * 1']);
  });

  it('names the fix for a schedule that does not exist (exit 2)', async () => {
    const { schedule } = await workspace();
    for (const verb of ['pause', 'resume', 'remove']) {
      const result = await schedule(verb, 'ghost');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no schedule "ghost"');
      expect(result.stderr).toContain('arbor schedule list');
    }
  });
});
