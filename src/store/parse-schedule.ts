import { scheduleSchema, StoreError, type Schedule } from '../domain/index.js';

/** A stored schedule, validated: a document that is not one is a `StoreError` naming where it was read. */
export function parseSchedule(value: unknown, where: string): Schedule {
  const parsed = scheduleSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StoreError(`${where} is not a valid schedule: ${parsed.error.message}`, {
    cause: parsed.error,
    hint: 'it was changed outside Arbor: remove it with arbor schedule remove NAME and add it again',
  });
}

/** The error of a second schedule with a name that is taken. */
export function duplicateScheduleMessage(name: string): { message: string; hint: string } {
  return {
    message: `a schedule named "${name}" already exists`,
    hint: `pick another name, or remove it first: arbor schedule remove ${name}`,
  };
}
