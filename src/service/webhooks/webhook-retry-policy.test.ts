import { describe, expect, it } from 'vitest';
import { sampleRun } from '../../../test/support/sample-documents.js';
import { newWebhookDelivery, type WebhookDelivery } from './webhook-delivery.js';
import {
  afterFailedAttempt,
  defaultWebhookRetryPolicy,
  webhookRetryDelayMs,
} from './webhook-retry-policy.js';

const hour = 60 * 60_000;

describe('webhookRetryDelayMs', () => {
  it('doubles from the base delay and stops growing at the cap', () => {
    const policy = { ...defaultWebhookRetryPolicy, baseDelayMs: 1_000, maxDelayMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 50, 5000].map((failures) => webhookRetryDelayMs(failures, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000, 10_000,
    ]);
  });
});

describe('afterFailedAttempt', () => {
  const created = new Date('2025-01-01T00:00:00.000Z');
  const { run } = sampleRun({ id: 'run-retry' });
  const first = newWebhookDelivery(
    {
      id: 'evt_1',
      type: 'run.completed',
      runId: run.id,
      at: created.toISOString(),
      link: `/v1/runs/${run.id}`,
    },
    'http://127.0.0.1:9/hook',
    created,
  );

  it('counts the attempt, keeps its status and error, and takes up to the jitter off the delay', () => {
    const now = new Date(created.getTime() + 1_000);
    const options = {
      delivery: first,
      policy: defaultWebhookRetryPolicy,
      now,
      status: 500,
      error: 'HTTP 500',
    };
    expect(afterFailedAttempt({ ...options, random: () => 0 })).toEqual({
      status: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'HTTP 500',
      lastAttemptAt: now.toISOString(),
      nextAttemptAt: new Date(now.getTime() + 2_000).toISOString(),
    });
    const jittered = afterFailedAttempt({ ...options, random: () => 0.5 });
    expect(jittered.nextAttemptAt).toBe(new Date(now.getTime() + 1_800).toISOString());
  });

  it('retries with capped backoff for a day, then gives up', () => {
    let delivery: WebhookDelivery = first;
    let now = created;
    const delays: number[] = [];
    for (;;) {
      const patch = afterFailedAttempt({
        delivery,
        policy: defaultWebhookRetryPolicy,
        now,
        status: null,
        error: 'refused',
        random: () => 0,
      });
      delivery = { ...delivery, ...patch };
      if (delivery.status !== 'pending') break;
      const next = Date.parse(delivery.nextAttemptAt!);
      delays.push(next - now.getTime());
      now = new Date(next);
    }
    expect(delivery.status).toBe('given_up');
    expect(delivery.nextAttemptAt).toBeNull();
    expect(delays.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(Math.max(...delays)).toBe(hour);
    // Every attempt started within the day, and the one that would have come next was after it.
    expect(now.getTime() - created.getTime()).toBeLessThanOrEqual(24 * hour);
    expect(now.getTime() + hour - created.getTime()).toBeGreaterThan(24 * hour);
    expect(delivery.attempts).toBe(delays.length + 1);
  });
});
