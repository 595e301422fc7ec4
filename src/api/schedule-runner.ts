import { isOpenRun, type Schedule, type TickClaim } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { RunSpec } from './runs.js';
import { scheduledRunId } from './scheduled-run-id.js';
import { dueTicks } from './schedule-ticks.js';

/** Options of {@link ScheduleRunner}. */
export interface ScheduleRunnerOptions {
  store: Store;
  /**
   * Starts the run of a claimed tick and returns its id: `serve` drives it in its own process, a
   * worker stores it for the workers to share (see {@link scheduledRunSpec}). The run is stored
   * under {@link scheduledRunId} of the schedule and tick (`checkRun` does so for a spec with a
   * `schedule`), so that a tick started again finds its run instead of storing another.
   */
  start: (schedule: Schedule, tick: string) => Promise<string>;
  /** Lines for the operator: ticks fired, skipped, queued, and runs that did not start. */
  log: (line: string) => void;
  /** The clock (tests inject one). */
  now?: () => Date;
  /** Waits between looks (tests inject one that moves their clock). */
  sleep?: (ms: number) => Promise<void>;
  /** How often to look at the schedules (ms, default 1000). */
  pollMs?: number;
  /**
   * How late a tick may be looked at and still fire as on time (ms, default 10 000). A tick later
   * than that was missed (no process was there for it), and the schedule's catch-up policy decides.
   */
  graceMs?: number;
  /**
   * How long a tick claimed to fire may wait for its run, from the first look that saw it so, before
   * a look takes its process for dead and starts the run itself (ms, default 60 000).
   */
  recoverAfterMs?: number;
}

/** The work of a schedule's tick as {@link checkRun} takes it: the stored plan, its params, the tick. */
export function scheduledRunSpec(schedule: Schedule, tick: string): RunSpec {
  return {
    plan: {
      text: schedule.plan.text,
      source: schedule.plan.source,
      ...(schedule.plan.agents ? { agentFiles: schedule.plan.agents } : {}),
    },
    params: schedule.params,
    schedule: { name: schedule.name, tick },
    ...(schedule.llm === null ? {} : { llm: schedule.llm }),
  };
}

/**
 * Fires the store's schedules (issue 16), in `arbor serve` and in every `arbor worker`: each look
 * works out each schedule's due ticks with croner, and claims each one in the store before it starts
 * a run, so a tick fires exactly once across any number of processes. Missed ticks follow the
 * schedule's `catchUp`, ticks during an open run its `overlap`.
 */
export class ScheduleRunner {
  readonly #options: ScheduleRunnerOptions;
  readonly #now: () => Date;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  /** Per schedule, when this runner first saw each of its ticks claimed to fire (`firing`). */
  readonly #firingSeen = new Map<string, Map<string, number>>();

  constructor(options: ScheduleRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Looks at every schedule once: fires, skips or queues what is due now. */
  async check(): Promise<void> {
    const now = this.#now();
    const schedules = await this.#options.store.listSchedules();
    const names = new Set(schedules.map((schedule) => schedule.name));
    for (const name of this.#firingSeen.keys()) if (!names.has(name)) this.#firingSeen.delete(name);
    for (const schedule of schedules) {
      if (this.#stopping) continue;
      try {
        await this.#recoverStalled(schedule, now);
        if (!schedule.paused) await this.#checkSchedule(schedule, now);
      } catch (error) {
        this.#options.log(`schedule ${schedule.name}: ${(error as Error).message}`);
      }
    }
  }

  /** Looks every `pollMs` until {@link stop}. */
  start(): void {
    if (this.#loop) return;
    const pollMs = this.#options.pollMs ?? 1_000;
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.#loop = (async () => {
      while (!this.#stopping) {
        await this.check().catch((error: unknown) => this.#options.log(`schedules: ${(error as Error).message}`));
        if (this.#stopping) break;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          void sleep(pollMs).then(resolve);
        });
      }
    })();
  }

  /** Stops looking; resolves once the look under way (and any run it is starting) is done. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  async #checkSchedule(schedule: Schedule, now: Date): Promise<void> {
    const { store } = this.#options;
    let current = schedule;
    let open = current.overlap !== 'allow' && (await this.#lastRunOpen(current));
    if (current.queuedTick !== null && !open) {
      const queued = current.queuedTick;
      const claimed = await store.claimScheduleTick(current.name, { kind: 'dequeue', tick: queued });
      // Taken by another process, it starts that run: this one's look is over either way.
      if (!claimed) return;
      await this.#fire(claimed, queued, 'queued tick');
      current = claimed;
      open = true;
    }
    const due = dueTicks(current, {
      after: new Date(current.lastTick ?? current.createdAt),
      now,
      graceMs: this.#options.graceMs ?? 10_000,
    });
    const ticks = due.onTime.map((tick) => ({ tick, skipped: 0, missed: false }));
    if (due.missed) {
      const { latest, count } = due.missed;
      if (current.catchUp === 'once') ticks.unshift({ tick: latest, skipped: count - 1, missed: true });
      else {
        const claimed = await store.claimScheduleTick(current.name, { kind: 'skip', tick: latest, skipped: count - 1 });
        if (!claimed) return;
        current = claimed;
        this.#options.log(`schedule ${current.name}: ${count} missed tick(s) up to ${latest} skipped (catch-up skip)`);
      }
    }
    for (const { tick, skipped, missed } of ticks) {
      const kind = claimKind(current, open);
      const claim: TickClaim = { kind, tick, skipped };
      const claimed = await store.claimScheduleTick(current.name, claim);
      // Another process claimed it (or a later tick), or the schedule was paused or removed.
      if (!claimed) return;
      current = claimed;
      if (kind === 'fire') {
        await this.#fire(current, tick, missed ? `missed tick (${skipped} earlier skipped)` : 'tick');
        open = true;
      } else this.#options.log(`schedule ${current.name}: tick ${tick} ${kind === 'queue' ? 'queued' : 'skipped'}: its last run ${current.lastRunId ?? ''} is still open`);
    }
  }

  /**
   * Starts the run of a tick claimed to fire (`firing`), unless it is stored already (another
   * process started it), then clears the tick's `firing` mark: at least once, and one run.
   */
  async #fire(schedule: Schedule, tick: string, what: string): Promise<void> {
    const { store, log } = this.#options;
    const runId = scheduledRunId(schedule.name, tick);
    const stored = async () => (await store.getRun(runId)) !== null;
    try {
      let started = runId;
      if (await stored()) log(`schedule ${schedule.name}: ${what} ${tick}: its run ${runId} is stored already`);
      else {
        started = await this.#options.start(schedule, tick);
        log(`schedule ${schedule.name}: ${what} ${tick} started run ${started}`);
      }
      await store.updateSchedule(schedule.name, { lastRunId: started, lastError: null });
    } catch (error) {
      const message = (error as Error).message;
      // The run may be stored all the same: by another process that took this one for stopped.
      if (await stored().catch(() => false)) {
        await store.updateSchedule(schedule.name, { lastRunId: runId, lastError: null });
        log(`schedule ${schedule.name}: ${what} ${tick}: its run ${runId} is stored (${message})`);
      } else {
        await store.updateSchedule(schedule.name, { lastError: message });
        log(`schedule ${schedule.name}: ${what} ${tick} started no run: ${message}`);
      }
    }
    await store.claimScheduleTick(schedule.name, { kind: 'started', tick });
  }

  /**
   * Starts the runs of ticks claimed to fire by a process that stopped before storing them; of a
   * paused schedule too (they were fired before the pause).
   */
  async #recoverStalled(schedule: Schedule, now: Date): Promise<void> {
    for (const tick of this.#stalled(schedule, now))
      await this.#fire(schedule, tick, 'tick claimed by a process that stopped before starting it:');
  }

  /**
   * The schedule's ticks claimed to fire that have waited for their runs `recoverAfterMs` by this
   * runner's clock, since it first saw them (no process's clock is compared with another's).
   */
  #stalled(schedule: Schedule, now: Date): string[] {
    const seen = this.#firingSeen.get(schedule.name) ?? new Map<string, number>();
    for (const tick of seen.keys()) if (!schedule.firing.includes(tick)) seen.delete(tick);
    for (const tick of schedule.firing) if (!seen.has(tick)) seen.set(tick, now.getTime());
    this.#firingSeen.set(schedule.name, seen);
    const recoverAfterMs = this.#options.recoverAfterMs ?? 60_000;
    return schedule.firing.filter((tick) => now.getTime() - seen.get(tick)! >= recoverAfterMs);
  }

  async #lastRunOpen(schedule: Schedule): Promise<boolean> {
    if (schedule.lastRunId === null) return false;
    const run = await this.#options.store.getRun(schedule.lastRunId);
    return run !== null && isOpenRun(run);
  }
}

/** What a due tick does under the schedule's overlap policy, while its last run is open or not. */
function claimKind(schedule: Schedule, open: boolean): TickClaim['kind'] & ('fire' | 'skip' | 'queue') {
  if (!open || schedule.overlap === 'allow') return 'fire';
  if (schedule.overlap === 'queue' && schedule.queuedTick === null) return 'queue';
  return 'skip';
}
