import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './sign-webhook.js';

const body = '{"id":"evt_1","type":"run.completed"}';

describe('signWebhook', () => {
  it('is sha256= and the hex HMAC-SHA256 of the body under the secret', () => {
    const expected = createHmac('sha256', 'top secret').update(body).digest('hex');
    expect(signWebhook('top secret', body)).toBe(`sha256=${expected}`);
    expect(signWebhook('top secret', Buffer.from(body))).toBe(`sha256=${expected}`);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook('top secret', body);

  it('accepts the signature of the exact body under the same secret', () => {
    expect(verifyWebhookSignature('top secret', body, header)).toBe(true);
    expect(verifyWebhookSignature('top secret', Buffer.from(body), header)).toBe(true);
  });

  it('refuses another secret, a changed body, and a missing or malformed header', () => {
    expect(verifyWebhookSignature('other secret', body, header)).toBe(false);
    expect(verifyWebhookSignature('top secret', `${body} `, header)).toBe(false);
    expect(verifyWebhookSignature('top secret', body, undefined)).toBe(false);
    expect(verifyWebhookSignature('top secret', body, '')).toBe(false);
    expect(verifyWebhookSignature('top secret', body, header.slice(0, -1))).toBe(false);
    expect(verifyWebhookSignature('top secret', body, header.replace('sha256=', 'sha1='))).toBe(false);
  });
});
