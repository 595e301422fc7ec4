import {
  newSchedule,
  NotFoundError,
  scheduleNamePattern,
  UsageError,
  type CatchUpPolicy,
  type OverlapPolicy,
  type RunStatus,
  type Schedule,
} from '../domain/index.js';
import type { ParamInput } from '../plans/index.js';
import type { Store } from '../store/index.js';
import { readPlan, type PlanInput } from './read-plan.js';
import { checkScheduleTiming, nextTick } from './schedule-ticks.js';

/** What {@link addSchedule} takes (`arbor schedule add`). */
export interface AddScheduleOptions {
  store: Store;
  name: string;
  /** Five fields (`0 9 * * 1`), or six with seconds first. */
  cron: string;
  /** IANA time zone the cron is read in; default: this machine's. */
  timezone?: string;
  /** A plan file's path, or its text. */
  plan: PlanInput;
  /** `--set` values, checked as `run --plan` checks them. */
  params?: ParamInput;
  /** The runs' `--llm`; default: the firing process's own. */
  llm?: string;
  catchUp?: CatchUpPolicy;
  overlap?: OverlapPolicy;
  /** The time it is added (tests). */
  now?: Date;
}

/**
 * Checks and stores a schedule (issue 16): its name, its cron expression and time zone (croner), and
 * its plan with its params (the check `run --plan` makes). Any problem throws a `UsageError` and
 * nothing is stored. The plan's text is stored, so that any process can fire it.
 */
export async function addSchedule(options: AddScheduleOptions): Promise<Schedule> {
  const now = options.now ?? new Date();
  if (!scheduleNamePattern.test(options.name))
    throw new UsageError(`"${options.name}" is not a schedule name`, {
      hint: 'use letters, digits, ".", "_" and "-", starting with a letter or digit, e.g. nightly-review',
    });
  const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  checkScheduleTiming({ cron: options.cron, timezone }, now);
  const params = options.params ?? {};
  const checked = await readPlan(options.plan, params);
  const schedule = newSchedule({
    name: options.name,
    cron: options.cron,
    timezone,
    plan: {
      name: checked.plan.name,
      text: checked.text,
      source: checked.file ?? checked.source,
      agents: checked.agentFiles,
    },
    params: { ...params },
    llm: options.llm ?? null,
    catchUp: options.catchUp ?? 'once',
    overlap: options.overlap ?? 'skip',
    at: now.toISOString(),
  });
  await options.store.addSchedule(schedule);
  return schedule;
}

/** A schedule as `arbor schedule list` shows it. */
export interface ScheduleView {
  schedule: Schedule;
  /** The next tick to fire (null while paused, or when the cron never fires again). */
  nextTick: string | null;
  /** The run the latest fired tick started, and its status now (null once the run is gone). */
  lastRun: { id: string; status: RunStatus | null } | null;
}

/** Every schedule of the store, by name, with its next tick and its last run's status. */
export async function listScheduleViews(store: Store, now = new Date()): Promise<ScheduleView[]> {
  const schedules = await store.listSchedules();
  return Promise.all(
    schedules.map(async (schedule) => {
      const after = schedule.lastTick && new Date(schedule.lastTick) > now ? new Date(schedule.lastTick) : now;
      const next = schedule.paused ? null : nextTick(schedule, after);
      const run = schedule.lastRunId ? await store.getRun(schedule.lastRunId) : null;
      return {
        schedule,
        nextTick: next ? next.toISOString() : null,
        lastRun: schedule.lastRunId ? { id: schedule.lastRunId, status: run?.status ?? null } : null,
      };
    }),
  );
}

/**
 * Pauses or resumes a schedule. Resuming moves its last tick to now, so the ticks while it was paused
 * are not fired (catch-up is for ticks no process was there for, not for a pause).
 */
export async function setSchedulePaused(store: Store, name: string, paused: boolean, now = new Date()): Promise<Schedule> {
  const updated = await store.updateSchedule(name, paused ? { paused } : { paused, lastTick: now.toISOString() });
  if (!updated) throw unknownSchedule(store, name);
  return updated;
}

/** Removes a schedule: no process fires it from its next look on. */
export async function removeSchedule(store: Store, name: string): Promise<void> {
  if (!(await store.removeSchedule(name))) throw unknownSchedule(store, name);
}

function unknownSchedule(store: Store, name: string): NotFoundError {
  return new NotFoundError(`no schedule "${name}" in ${store.location}`, {
    hint: 'list the schedules with: arbor schedule list',
  });
}
