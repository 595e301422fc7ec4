import type { z } from 'zod';
import { didYouMean, knownKeys } from '../domain/index.js';
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
    const what = part === 'query' ? 'query parameter' : 'field';
    // "unknown query parameter "x"", "unknown field "limits.x" in the body"
    const where = part === 'query' ? '' : ` in the ${part}`;
    throw new RequestError(`unknown ${what} "${[...at, key].slice(1).join('.')}"${where}`, {
      status: 400,
      title: 'unknown-field',
      field: [...at, key].join('.'),
      hint: guess
        ? `did you mean "${guess}"?`
        : known.length > 0
          ? `the ${what}s are: ${known.join(', ')}`
          : `this route takes no ${what}s`,
    });
  }
  const field = at.join('.');
  throw new RequestError(`${field}: ${issue.message}`, {
    status: 400,
    title: 'invalid-field',
    field,
    hint:
      part === 'body'
        ? 'see the request schema at GET /v1/openapi.json'
        : part === 'query'
          ? `see this route's query parameters (${knownKeys(schema, []).join(', ')}) at GET /v1/openapi.json`
          : undefined,
  });
}
