import { randomUUID } from 'node:crypto';
import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { UsageError, type Schedule, type SchedulePatch, type TickClaim } from '../../domain/index.js';
import { duplicateScheduleMessage, parseSchedule } from '../parse-schedule.js';
import { duplicateKey } from './insert-new.js';
import type { StoreCall } from './retry-transient.js';
import { withoutFields } from './without-fields.js';

/** A stored schedule, plus the token of the claim that last moved it (to tell a retried claim apart). */
export type ScheduleDocument = Schedule & { claimToken?: string };

const scheduleFields = { _id: 0, claimToken: 0 } as const;

/**
 * The `schedules` collection (issue 16): one document per schedule, by `name`. A tick is claimed with
 * one conditional update whose filter holds the old state (`lastTick` before the tick, or the queued
 * tick), so of any number of processes exactly one moves it (see `applyTickClaim`).
 */
export class MongoSchedules {
  constructor(
    private readonly schedules: Collection<ScheduleDocument>,
    private readonly call: StoreCall,
  ) {}

  async add(schedule: Schedule): Promise<void> {
    const valid = parseSchedule(schedule, `new schedule ${schedule.name}`);
    await this.call(`adding schedule ${valid.name}`, async (attempt) => {
      try {
        await this.schedules.insertOne({ ...valid });
      } catch (error) {
        if (!isDuplicate(error)) throw error;
        // A retry after a lost answer finds what its first attempt wrote.
        if (attempt > 1 && (await this.get(valid.name))?.createdAt === valid.createdAt) return;
        const { message, hint } = duplicateScheduleMessage(valid.name);
        throw new UsageError(message, { hint, cause: error });
      }
    });
  }

  async get(name: string): Promise<Schedule | null> {
    const document = await this.call(`reading schedule ${name}`, () =>
      this.schedules.findOne({ name }, { projection: scheduleFields }),
    );
    return document ? parseSchedule(document, `schedules/${name}`) : null;
  }

  async list(): Promise<Schedule[]> {
    const documents = await this.call('listing schedules', () =>
      this.schedules.find({}, { projection: scheduleFields }).sort({ name: 1 }).toArray(),
    );
    return documents.map((document) => parseSchedule(document, `schedules/${document.name}`));
  }

  async update(name: string, patch: SchedulePatch): Promise<Schedule | null> {
    const { lastTick, ...rest } = patch;
    const set = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    const update: UpdateFilter<ScheduleDocument> = {
      $set: { ...set, updatedAt: new Date().toISOString() },
      // `lastTick` only moves forward (null sorts before every string).
      ...(lastTick ? { $max: { lastTick } } : {}),
    };
    return this.findAndUpdate(`updating schedule ${name}`, { name }, update);
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.call(`removing schedule ${name}`, () => this.schedules.deleteOne({ name }));
    return result.deletedCount > 0;
  }

  async claim(name: string, claim: TickClaim): Promise<Schedule | null> {
    const claimToken = randomUUID();
    const at = new Date().toISOString();
    const filter: Filter<ScheduleDocument> =
      claim.kind === 'started'
        ? { name, firing: claim.tick }
        : claim.kind === 'dequeue'
          ? { name, paused: false, queuedTick: claim.tick }
          : { name, paused: false, $or: [{ lastTick: null }, { lastTick: { $lt: claim.tick } }] };
    const update: UpdateFilter<ScheduleDocument> =
      claim.kind === 'started'
        ? { $set: { updatedAt: at, claimToken }, $pull: { firing: claim.tick } }
        : claim.kind === 'dequeue'
        ? { $set: { queuedTick: null, updatedAt: at, claimToken }, $inc: { fired: 1 }, $push: { firing: claim.tick } }
        : {
            $set: {
              lastTick: claim.tick,
              updatedAt: at,
              claimToken,
              ...(claim.kind === 'queue' ? { queuedTick: claim.tick } : {}),
            },
            $inc: {
              fired: claim.kind === 'fire' ? 1 : 0,
              skipped: claim.skipped + (claim.kind === 'skip' ? 1 : 0),
            },
            ...(claim.kind === 'fire' ? { $push: { firing: claim.tick } } : {}),
          };
    const document = await this.call(`claiming tick ${claim.tick} of schedule ${name}`, async (attempt) => {
      const claimed = await this.schedules.findOneAndUpdate(filter, update, { returnDocument: 'after' });
      if (claimed || attempt === 1) return claimed;
      // A retry after a lost answer: the first attempt may have won.
      const stored = await this.schedules.findOne({ name });
      return stored?.claimToken === claimToken ? stored : null;
    });
    return document ? parseSchedule(document, `schedules/${name}`) : null;
  }

  private async findAndUpdate(
    what: string,
    filter: Filter<ScheduleDocument>,
    update: UpdateFilter<ScheduleDocument>,
  ): Promise<Schedule | null> {
    // No projection: FerretDB refuses `findAndModify` with `fields` (see withoutFields).
    const document = await this.call(what, () =>
      this.schedules.findOneAndUpdate(filter, update, { returnDocument: 'after' }),
    );
    return document
      ? parseSchedule(withoutFields(document, scheduleFields), `schedules/${document.name}`)
      : null;
  }
}

function isDuplicate(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === duplicateKey;
}
