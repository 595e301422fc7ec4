import { z } from 'zod';
import { paramValueSchema } from './plan-file.js';

/** The `schemaVersion` of stored schedules. */
export const scheduleSchemaVersion = 1;

/** What a tick missed while no process ran does: `once` fires the latest of them once, `skip` records them skipped. */
export const catchUpPolicies = ['once', 'skip'] as const;
export type CatchUpPolicy = (typeof catchUpPolicies)[number];

/**
 * What a tick does while the schedule's previous run is still open (running or waiting for people):
 * `allow` starts another run, `skip` records the tick skipped, `queue` fires it once that run ends
 * (at most one tick waits; a later one is skipped).
 */
export const overlapPolicies = ['allow', 'skip', 'queue'] as const;
export type OverlapPolicy = (typeof overlapPolicies)[number];

/** Schedule names become file names in the embedded store: no separators, no dot-dot. */
export const scheduleNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A written plan started on a cron schedule (issue 16, `arbor schedule add`). The plan's text is kept,
 * so any `serve` or `worker` process on any machine can fire it; each tick is claimed in the store by
 * exactly one of them (`Store.claimScheduleTick`). Times are ISO strings (`toISOString`), so they
 * compare as text.
 */
export const scheduleSchema = z.object({
  schemaVersion: z.literal(scheduleSchemaVersion),
  name: z.string().regex(scheduleNamePattern),
  /** A cron expression (5 fields, or 6 with seconds first), read by croner. */
  cron: z.string().min(1),
  /** The IANA time zone the cron expression is read in. */
  timezone: z.string().min(1),
  /** The plan as checked at `add`: its name, its text, and where it was read from. */
  plan: z.object({
    name: z.string(),
    text: z.string(),
    source: z.string(),
    /**
     * The agent files its steps name (as read at `add`, relative to the plan's folder), by the steps'
     * `agent` text: a firing process need not have them. Absent on schedules stored before.
     */
    agents: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  }),
  /** `--set` values, given to every run. */
  params: z.record(z.string(), paramValueSchema),
  /** The runs' `--llm`; null: the firing process's own. */
  llm: z.string().nullable(),
  catchUp: z.enum(catchUpPolicies),
  overlap: z.enum(overlapPolicies),
  paused: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The latest tick claimed (fired, skipped or queued); ticks up to it are done. Null: none yet. */
  lastTick: z.string().nullable(),
  /** A tick that waits for the previous run to end (overlap `queue`). */
  queuedTick: z.string().nullable(),
  /** The run the latest fired tick started. */
  lastRunId: z.string().nullable(),
  /**
   * Ticks claimed to fire whose runs are not known started yet: each added by its claim, removed
   * once its run is stored or its start failed. A process that died in between leaves its tick,
   * and a later look starts that run (under the tick's own run id, so never twice). Absent before
   * it existed.
   */
  firing: z.array(z.string()).default([]),
  /** Why the latest fired tick started no run, if it did not. */
  lastError: z.string().nullable(),
  /** Ticks that started a run. */
  fired: z.number().int().nonnegative(),
  /** Ticks recorded skipped (missed with catch-up `skip`, overlapping with overlap `skip`). */
  skipped: z.number().int().nonnegative(),
});

/** A stored schedule. */
export type Schedule = z.infer<typeof scheduleSchema>;

/** What a new schedule is made of; the rest starts empty. */
export type NewSchedule = Pick<
  Schedule,
  'name' | 'cron' | 'timezone' | 'plan' | 'params' | 'llm' | 'catchUp' | 'overlap'
> & { at: string };

/** A schedule as `add` stores it: active, nothing claimed, fired or skipped yet. */
export function newSchedule({ at, ...fields }: NewSchedule): Schedule {
  return {
    schemaVersion: scheduleSchemaVersion,
    ...fields,
    paused: false,
    createdAt: at,
    updatedAt: at,
    lastTick: null,
    queuedTick: null,
    lastRunId: null,
    firing: [],
    lastError: null,
    fired: 0,
    skipped: 0,
  };
}

/**
 * What may change on a schedule besides its claims. `lastTick` only ever moves forward: a resume sets
 * it to the time it resumed, so ticks while paused are not fired.
 */
export type SchedulePatch = Partial<Pick<Schedule, 'paused' | 'lastRunId' | 'lastError' | 'lastTick'>>;

/**
 * One claim of a schedule's tick (`Store.claimScheduleTick`). `fire`, `skip` and `queue` move
 * `lastTick` forward to `tick` and succeed only for the first process that does; `skipped` earlier
 * ticks are counted skipped with it (missed ones). `dequeue` takes the queued tick to fire it.
 * `fire` and `dequeue` add the tick to `firing`; `started` takes it out once the tick's run is stored
 * (or cannot be), for exactly one claimer.
 */
export type TickClaim =
  | { kind: 'fire' | 'skip' | 'queue'; tick: string; skipped: number }
  | { kind: 'dequeue'; tick: string }
  | { kind: 'started'; tick: string };

/**
 * The schedule after `claim`, or null when the claim does not hold: the tick is not after `lastTick`
 * (another process claimed it or a later one), the queued tick is another, or the schedule is paused.
 * The embedded store applies it; MongoDB does the same in one conditional update.
 */
export function applyTickClaim(schedule: Schedule, claim: TickClaim, at: string): Schedule | null {
  if (claim.kind === 'started')
    return schedule.firing.includes(claim.tick)
      ? { ...schedule, firing: schedule.firing.filter((tick) => tick !== claim.tick), updatedAt: at }
      : null;
  if (schedule.paused) return null;
  if (claim.kind === 'dequeue') {
    if (schedule.queuedTick !== claim.tick) return null;
    return { ...schedule, queuedTick: null, firing: [...schedule.firing, claim.tick], fired: schedule.fired + 1, updatedAt: at };
  }
  if (schedule.lastTick !== null && schedule.lastTick >= claim.tick) return null;
  return {
    ...schedule,
    lastTick: claim.tick,
    queuedTick: claim.kind === 'queue' ? claim.tick : schedule.queuedTick,
    firing: claim.kind === 'fire' ? [...schedule.firing, claim.tick] : schedule.firing,
    fired: schedule.fired + (claim.kind === 'fire' ? 1 : 0),
    skipped: schedule.skipped + claim.skipped + (claim.kind === 'skip' ? 1 : 0),
    updatedAt: at,
  };
}

/** The schedule with `patch` applied (`lastTick` only forward). */
export function applySchedulePatch(schedule: Schedule, patch: SchedulePatch, at: string): Schedule {
  const { lastTick, ...rest } = patch;
  const forward =
    lastTick !== undefined && lastTick !== null && (schedule.lastTick === null || lastTick > schedule.lastTick);
  return {
    ...schedule,
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    ...(forward ? { lastTick } : {}),
    updatedAt: at,
  };
}
