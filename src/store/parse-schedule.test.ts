import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../domain/index.js';
import { parseSchedule } from './parse-schedule.js';
import { parseRun } from './read-documents.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'documents');

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(fixtures, name), 'utf8')) as Record<string, unknown>;
}

describe('stored schedules', () => {
  it('loads a stored v1 schedule', async () => {
    expect(parseSchedule(await fixture('schedule-v1.json'), 'schedule-v1.json')).toMatchObject({
      name: 'weekly-review',
      params: { diff: 'main..HEAD', strict: true },
      lastTick: '2026-01-05T08:00:00.000Z',
      fired: 1,
    });
  });

  it('names the source and the field of an invalid schedule', async () => {
    const schedule = { ...(await fixture('schedule-v1.json')), overlap: 'sometimes' };
    expect(() => parseSchedule(schedule, 'schedules/weekly-review.json')).toThrow(StoreError);
    expect(() => parseSchedule(schedule, 'schedules/weekly-review.json')).toThrow(/weekly-review\.json.*overlap/s);
  });

  it('loads runs stored before runs named their schedule, and runs that do', async () => {
    const run = await fixture('run-v1.json');
    expect(parseRun(run, 'old').schedule).toBeUndefined();
    const tick = { name: 'weekly-review', tick: '2026-01-05T08:00:00.000Z' };
    expect(parseRun({ ...run, schedule: tick }, 'new').schedule).toEqual(tick);
  });
});
