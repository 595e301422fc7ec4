import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  applySchedulePatch,
  applyTickClaim,
  scheduleNamePattern,
  StoreError,
  UsageError,
  type Schedule,
  type SchedulePatch,
  type TickClaim,
} from '../../domain/index.js';
import { duplicateScheduleMessage, parseSchedule } from '../parse-schedule.js';
import { withLockFile } from './with-lock-file.js';
import { errorCode, storeIoError } from './store-io-error.js';
import { createFileAtomic, writeFileAtomic } from './write-file-atomic.js';


/**
 * The embedded store's schedules: `schedules/NAME.json`, replaced atomically. A change (a claim, a
 * pause) reads, checks and writes the file while holding `schedules/NAME.lock`, the same kind of lock
 * file a run's drive takes, so processes sharing the folder (two `arbor serve`) claim each tick once;
 * a lock left by a dead process is taken over.
 */
export class EmbeddedSchedules {
  constructor(
    private readonly location: string,
    private readonly fsync: boolean,
  ) {}

  add(schedule: Schedule): void {
    const valid = parseSchedule(schedule, `new schedule ${schedule.name}`);
    mkdirSync(this.folder, { recursive: true });
    if (!createFileAtomic(this.path(valid.name), json(valid), 'the schedule')) {
      const { message, hint } = duplicateScheduleMessage(valid.name);
      throw new UsageError(message, { hint });
    }
  }

  get(name: string): Schedule | null {
    if (!scheduleNamePattern.test(name)) return null;
    let text: string;
    try {
      text = readFileSync(this.path(name), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw storeIoError(error, `cannot read the schedule ${name}`);
    }
    try {
      return parseSchedule(JSON.parse(text), this.path(name));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${this.path(name)} is corrupt: ${(error as Error).message}`, { cause: error });
    }
  }

  list(): Schedule[] {
    let names: string[];
    try {
      names = readdirSync(this.folder)
        .filter((file) => file.endsWith('.json'))
        .map((file) => file.slice(0, -'.json'.length))
        .filter((name) => scheduleNamePattern.test(name));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw storeIoError(error, `cannot list the schedules in ${this.folder}`);
    }
    return names
      .sort()
      .map((name) => this.get(name))
      .filter((schedule): schedule is Schedule => schedule !== null);
  }

  update(name: string, patch: SchedulePatch): Promise<Schedule | null> {
    return this.change(name, (schedule) => applySchedulePatch(schedule, patch, new Date().toISOString()));
  }

  claim(name: string, claim: TickClaim): Promise<Schedule | null> {
    return this.change(name, (schedule) => applyTickClaim(schedule, claim, new Date().toISOString()));
  }

  async remove(name: string): Promise<boolean> {
    if (!scheduleNamePattern.test(name)) return false;
    return (
      (await this.locked(name, () => {
        try {
          unlinkSync(this.path(name));
          return true;
        } catch (error) {
          if (errorCode(error) === 'ENOENT') return false;
          throw storeIoError(error, `cannot remove the schedule ${name}`);
        }
      })) ?? false
    );
  }

  /** Reads, changes and writes a schedule under its lock; null when it is gone or `next` refuses. */
  private async change(name: string, next: (schedule: Schedule) => Schedule | null): Promise<Schedule | null> {
    if (!scheduleNamePattern.test(name)) return null;
    return (
      (await this.locked(name, () => {
        const current = this.get(name);
        const changed = current && next(current);
        if (!changed) return null;
        writeFileAtomic(this.path(name), json(changed), { fsync: this.fsync });
        return changed;
      })) ?? null
    );
  }

  /**
   * Runs `work` (synchronous, so nothing else of this process runs meanwhile) while this process holds
   * the schedule's lock file; waits while another live process holds it.
   */
  private async locked<T>(name: string, work: () => T): Promise<T | null> {
    if (this.get(name) === null) return null;
    const lock = { path: `${this.path(name)}.lock`, id: name, owner: 'schedule', what: `the schedule ${name}` };
    return withLockFile(lock, () => (this.get(name) === null ? null : work()));
  }

  private get folder(): string {
    return join(this.location, 'schedules');
  }

  private path(name: string): string {
    return join(this.folder, `${name}.json`);
  }
}

function json(schedule: Schedule): string {
  return `${JSON.stringify(schedule, null, 2)}\n`;
}
