import { z } from 'zod';

/**
 * Fills fields a hand-written answer may leave out: nullable fields become null, lists become
 * empty and flags false. Scripted answers use it (DESIGN §6) so fixtures stay short.
 */
export function fillAnswerDefaults(schema: z.ZodType, value: unknown): unknown {
  if (schema instanceof z.ZodNullable)
    return value === null ? null : fillAnswerDefaults(schema.unwrap() as z.ZodType, value);
  if (schema instanceof z.ZodArray) {
    return Array.isArray(value)
      ? value.map((item) => fillAnswerDefaults(schema.element as z.ZodType, item))
      : value;
  }
  if (schema instanceof z.ZodObject && isPlainObject(value)) {
    const filled: Record<string, unknown> = { ...value };
    const shape: Record<string, z.ZodType> = (schema as z.ZodObject<Record<string, z.ZodType>>).shape;
    for (const [key, fieldSchema] of Object.entries(shape)) {
      if (filled[key] === undefined) {
        const fallback = defaultFor(fieldSchema);
        if (fallback !== undefined) filled[key] = fallback;
      } else {
        filled[key] = fillAnswerDefaults(fieldSchema, filled[key]);
      }
    }
    return filled;
  }
  return value;
}

function defaultFor(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodNullable) return null;
  if (schema instanceof z.ZodArray) return [];
  if (schema instanceof z.ZodBoolean) return false;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
