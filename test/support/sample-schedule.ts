import { ScheduleRunner, scheduledRunId } from '../../src/api/index.js';
import { newSchedule, type Schedule } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';
import { sampleRun } from './sample-documents.js';

/** A one-step plan, as `arbor schedule add` stores its text. */
export const samplePlanText = `name: nightly
version: 1
description: Nightly check
steps:
  - key: check
    title: Check
    prompt: Check everything
`;

/** A stored schedule with a unique name (stores are shared between tests on MongoDB). */
export function sampleSchedule(overrides: Partial<Schedule> = {}): Schedule {
  const schedule = newSchedule({
    name: `s-${Math.random().toString(36).slice(2, 10)}`,
    cron: '* * * * *',
    timezone: 'UTC',
    plan: { name: 'nightly', text: samplePlanText, source: 'nightly.yaml' },
    params: {},
    llm: null,
    catchUp: 'once',
    overlap: 'skip',
    at: '2026-01-01T00:00:00.000Z',
  });
  return { ...schedule, ...overrides };
}

/** A tick whose run a test runner started, and that run. */
export interface StartedTick {
  tick: string;
  runId: string;
}

/**
 * A runner on `store` with the clock `now` (10 s grace) whose ticks start real stored runs, left
 * running until the test ends them; each start is pushed onto `started`.
 */
export function sampleRunner(options: {
  store: Store;
  now: () => Date;
  started: StartedTick[];
  log?: (line: string) => void;
}): ScheduleRunner {
  const { store, started } = options;
  return new ScheduleRunner({
    store,
    now: options.now,
    log: options.log ?? (() => undefined),
    graceMs: 10_000,
    start: async (schedule, tick) => {
      // Under the tick's own id, as `checkRun` stores a scheduled run.
      const { run, root } = sampleRun({ id: scheduledRunId(schedule.name, tick) });
      await store.createRun(run, root);
      started.push({ tick, runId: run.id });
      return run.id;
    },
  });
}
