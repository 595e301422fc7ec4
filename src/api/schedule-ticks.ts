import { Cron } from 'croner';
import { UsageError } from '../domain/index.js';

/** When a schedule fires: its cron expression, read in its time zone. */
export interface ScheduleTiming {
  cron: string;
  timezone: string;
}

/** Missed ticks counted one by one at most this many per catch-up; past it the latest is still found. */
const countLimit = 10_000;

/** The ticks due between a schedule's last claim and now (see {@link dueTicks}). */
export interface DueTicks {
  /** Ticks more than the grace late (nothing ran when they were due): the latest, and how many there were. */
  missed: { latest: string; count: number } | null;
  /** Ticks within the grace, oldest first. */
  onTime: string[];
}

/** The cron job of a schedule, never started: croner only computes its ticks (no timer runs). */
function cronOf(timing: ScheduleTiming): Cron {
  return new Cron(timing.cron, { timezone: timing.timezone });
}

const cronHint = 'pass --cron with five fields (minute hour day month weekday, e.g. "0 9 * * 1"), or six with seconds first';

/**
 * Checks a cron expression and time zone as croner reads them: a problem throws a `UsageError` that
 * says what is wrong and how a good one looks. Returns the first tick after `from`.
 */
export function checkScheduleTiming(timing: ScheduleTiming, from: Date): Date {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timing.timezone });
  } catch {
    throw new UsageError(`"${timing.timezone}" is not a time zone`, {
      hint: 'pass an IANA time zone with --timezone, e.g. --timezone Europe/Paris or --timezone UTC',
    });
  }
  // croner also reads a seventh field (years), which the README does not promise.
  const fields = timing.cron.trim().split(/\s+/).length;
  if (fields > 6)
    throw new UsageError(`"${timing.cron}" has ${fields} fields, not five or six`, {
      hint: cronHint,
    });
  let next: Date | null;
  try {
    next = cronOf(timing).nextRun(from);
  } catch (error) {
    throw new UsageError(`"${timing.cron}" is not a cron expression: ${(error as Error).message}`, {
      cause: error,
      hint: cronHint,
    });
  }
  if (next === null)
    throw new UsageError(`the cron expression "${timing.cron}" never fires after ${from.toISOString()}`, {
      hint: 'pass a --cron expression with ticks to come, e.g. "0 9 * * 1"',
    });
  return next;
}

/** The first tick after `from`, or null when there is none. */
export function nextTick(timing: ScheduleTiming, from: Date): Date | null {
  return cronOf(timing).nextRun(from);
}

/**
 * The ticks after `after` up to `now`: those more than `graceMs` late are missed (only the latest and
 * their count are kept, so a long outage of a one-second cron costs no list of every second), the
 * rest are on time.
 */
export function dueTicks(timing: ScheduleTiming, options: { after: Date; now: Date; graceMs: number }): DueTicks {
  const cron = cronOf(timing);
  const { after, now } = options;
  const lateBefore = new Date(now.getTime() - options.graceMs);
  let missed: DueTicks['missed'] = null;
  if (after < lateBefore) {
    // previousRuns looks before its reference: one millisecond on counts a tick at the bound as missed.
    const latest = cron.previousRuns(1, new Date(lateBefore.getTime() + 1))[0];
    if (latest && latest > after) {
      let count = 0;
      for (let tick = cron.nextRun(after); tick && tick <= latest && count < countLimit; tick = cron.nextRun(tick))
        count++;
      missed = { latest: latest.toISOString(), count: Math.max(count, 1) };
    }
  }
  const onTime: string[] = [];
  const from = after > lateBefore ? after : lateBefore;
  for (let tick = cron.nextRun(from); tick && tick <= now; tick = cron.nextRun(tick)) onTime.push(tick.toISOString());
  return { missed, onTime };
}
