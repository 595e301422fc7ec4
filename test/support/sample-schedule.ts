import { newSchedule, type Schedule } from '../../src/domain/index.js';

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
