import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Arbor-Signature` header of a webhook body: `sha256=` and the hex HMAC-SHA256 of the exact
 * bytes sent, keyed with the secret (`ARBOR_WEBHOOK_SECRET`).
 */
export function signWebhook(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `header` is the signature of `body` under `secret`. Compares in constant time, so the
 * answer's timing reveals nothing of the expected signature. Verify the raw body, before parsing it.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhook(secret, body), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
