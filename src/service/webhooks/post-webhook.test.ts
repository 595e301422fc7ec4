import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { postWebhook } from './post-webhook.js';
import { newWebhookDelivery } from './webhook-delivery.js';

const delivery = (url: string) =>
  newWebhookDelivery(
    {
      id: 'evt_1',
      type: 'run.failed',
      runId: 'run-1',
      at: '2025-01-01T00:00:00.000Z',
      link: '/v1/runs/run-1',
    },
    url,
    new Date(),
  );

describe('postWebhook', () => {
  it('gives up on a receiver that does not answer within the timeout, and says so', async () => {
    const receiver = await startWebhookReceiver(() => 'hang');
    // Garbage collections while it waits: a timeout signal nothing holds must still fire.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collecting = setInterval(gc, 50);
    const outcome = await postWebhook({
      delivery: delivery(receiver.url),
      target: { url: receiver.url, authorization: null },
      secret: 's',
      fetch,
      // Long enough for the request to reach the receiver on a slow machine: it is the answer that never comes.
      timeoutMs: 1_000,
      signal: new AbortController().signal,
    }).finally(() => clearInterval(collecting));
    expect(outcome).toEqual({ delivered: false, status: null, error: 'no answer within 1000 ms' });
    expect(receiver.received).toHaveLength(1);
  });

  it('does not follow a redirect: a receiver that moved has not received the event', async () => {
    const target = await startWebhookReceiver();
    const moved = await startWebhookReceiver(() => ({ status: 307, headers: { location: target.url } }));
    const outcome = await postWebhook({
      delivery: delivery(moved.url),
      target: { url: moved.url, authorization: null },
      secret: 's',
      fetch,
      timeoutMs: 5_000,
      signal: new AbortController().signal,
    });
    expect(outcome).toEqual({ delivered: false, status: 307, error: 'the receiver answered HTTP 307' });
    expect(target.received).toHaveLength(0);
  });
});
