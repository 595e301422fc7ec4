import { z } from 'zod';
import { runSchema, StoreError, type RunPatch } from '../../domain/index.js';

/** The fields of a run a write may change (see `RunPatch`); identity fields are left out. */
const runPatchSchema = runSchema
  .omit({ schemaVersion: true, id: true, prompt: true, rootId: true, createdAt: true })
  .partial();

/**
 * Validates a run update before it is written with `$set`, since MongoDB would store whatever it
 * is given; unknown and identity fields are dropped, as are fields set to `undefined`.
 */
export function parseRunPatch(patch: RunPatch, source: string): RunPatch {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const parsed = runPatchSchema.safeParse(defined);
  if (parsed.success) return parsed.data;
  throw new StoreError(`${source}: not a valid run update: ${z.prettifyError(parsed.error)}`, {
    cause: parsed.error,
  });
}
