import { z } from 'zod';
import { didYouMean } from '../domain/index.js';
import { RequestError } from './request-error.js';

/**
 * Parses one part of a request (`body`, `query`, `params`) with its zod schema, or throws a 400
 * {@link RequestError} naming the field at fault: `body.limits.maxDepth`, or an unknown field with
 * the one it most likely meant.
 */
export function parseRequestPart<Schema extends z.ZodType>(
  part: 'body' | 'query' | 'params',
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  const parsed = schema.safeParse(part === 'body' && value === undefined ? {} : value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = [part, ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = knownKeys(schema, issue.path);
    const guess = didYouMean(key, known);
    throw new RequestError(`unknown field "${[...at, key].slice(1).join('.')}" in the ${part}`, {
      status: 400,
      title: 'unknown-field',
      field: [...at, key].join('.'),
      hint: guess ? `did you mean "${guess}"?` : `the fields are: ${known.join(', ')}`,
    });
  }
  const field = at.join('.');
  throw new RequestError(`${field}: ${issue.message}`, {
    status: 400,
    title: 'invalid-field',
    field,
    hint: part === 'body' ? 'see the request schema at GET /v1/openapi.json' : undefined,
  });
}

/** The keys an object schema takes at `path` (for "did you mean"). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return [];
  }
  current = unwrap(current);
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable)
    current = current.unwrap() as z.ZodType;
  return current;
}
