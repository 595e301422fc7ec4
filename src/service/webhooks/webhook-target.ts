import { UsageError } from '../../domain/index.js';

/** A receiver as the dispatcher uses it. */
export interface WebhookTarget {
  /** Where to POST: the URL without its credentials (fetch refuses URLs that carry them). */
  url: string;
  /** `Basic …` from the URL's `user:password@`, or null. */
  authorization: string | null;
  /** The URL as stored and shown: the password is `***` (DESIGN §8: no secrets in stored documents). */
  stored: string;
}

/**
 * Checks a `--webhook` URL (http or https) and splits off its credentials: `https://user:pw@host/x`
 * is POSTed to `https://host/x` with basic authentication, and stored as `https://user:***@host/x`.
 */
export function webhookTarget(url: string): WebhookTarget {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL at all: said below.
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw new UsageError(`not a webhook URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`, {
      hint: 'pass an http:// or https:// URL, e.g. --webhook https://example.com/arbor',
    });
  const credentials =
    parsed.username || parsed.password
      ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
      : null;
  const stored = new URL(parsed);
  if (stored.password) stored.password = '***';
  const bare = new URL(parsed);
  bare.username = '';
  bare.password = '';
  return {
    url: bare.toString(),
    authorization:
      credentials === null ? null : `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
    stored: stored.toString(),
  };
}
