/** The response headers a provider error carries (a `Headers` object or anything with `get`). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long a provider asked us to wait before retrying, in milliseconds, or `undefined` when it did
 * not say. `retry-after-ms` (sent by OpenAI and Anthropic) wins over the standard `retry-after`, which
 * may be seconds or an HTTP date. Waits are never negative; capping them is {@link withRetries}' job.
 *
 * @see https://httpwg.org/specs/rfc9110.html#field.retry-after
 * @see https://platform.openai.com/docs/guides/rate-limits
 * @see https://docs.anthropic.com/en/api/rate-limits#response-headers
 */
export function parseRetryAfter(
  headers: HeaderSource | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = parseNumber(headers.get('retry-after-ms'));
  if (milliseconds !== undefined) return Math.max(0, Math.round(milliseconds));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseNumber(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}
