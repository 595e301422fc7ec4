import type { WebhookDelivery, WebhookDeliveryPatch } from './webhook-delivery.js';

/** How failed deliveries are retried: capped exponential backoff with jitter, for a day by default. */
export interface WebhookRetryPolicy {
  /** Delay after the first failed attempt (ms); each further failure doubles it. Default 2 s. */
  baseDelayMs: number;
  /** The longest delay between two attempts (ms). Default 1 h. */
  maxDelayMs: number;
  /** No attempt starts later than this after the event (ms). Default 24 h. */
  giveUpAfterMs: number;
  /** Up to this fraction of each delay is taken off at random, so receivers are not hit in step. Default 0.2. */
  jitter: number;
}

/** The default retry policy: 2 s doubling up to 1 h between attempts, for 24 h. */
export const defaultWebhookRetryPolicy: WebhookRetryPolicy = {
  baseDelayMs: 2_000,
  maxDelayMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
  jitter: 0.2,
};

/** The delay before the attempt after `failedAttempts` failures, before jitter: `min(max, base · 2^(n−1))`. */
export function webhookRetryDelayMs(failedAttempts: number, policy: WebhookRetryPolicy): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 52);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
}

/** Options of {@link afterFailedAttempt}. */
export interface AfterFailedAttemptOptions {
  delivery: WebhookDelivery;
  policy: WebhookRetryPolicy;
  /** When the attempt ended. */
  now: Date;
  /** The receiver's HTTP status, or null when no answer came. */
  status: number | null;
  error: string;
  /** In [0, 1): how much of the jitter to take off this delay. Default `Math.random`. */
  random?: () => number;
}

/**
 * What a failed attempt changes: the attempt is counted and the next one scheduled, or, when the next
 * one would start more than `giveUpAfterMs` after the delivery was created, the delivery is given up.
 */
export function afterFailedAttempt(options: AfterFailedAttemptOptions): WebhookDeliveryPatch {
  const { delivery, policy, now } = options;
  const attempts = delivery.attempts + 1;
  const jitter = policy.jitter * (options.random ?? Math.random)();
  const next = now.getTime() + Math.round(webhookRetryDelayMs(attempts, policy) * (1 - jitter));
  const giveUpAt = Date.parse(delivery.createdAt) + policy.giveUpAfterMs;
  const base = {
    attempts,
    lastStatus: options.status,
    lastError: options.error,
    lastAttemptAt: now.toISOString(),
  };
  if (next > giveUpAt) return { ...base, status: 'given_up', nextAttemptAt: null };
  return { ...base, status: 'pending', nextAttemptAt: new Date(next).toISOString() };
}
