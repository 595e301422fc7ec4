import { createHash } from 'node:crypto';
import { z } from 'zod';
import { webhookEventTypeSchema, webhookPayloadSchema, type WebhookPayload } from './webhook-payload.js';

/** Where a delivery stands: still being tried, received (a 2xx answer), or abandoned after a day. */
export const webhookDeliveryStatusSchema = z.enum(['pending', 'delivered', 'given_up']);

/** Where a delivery stands. */
export type WebhookDeliveryStatus = z.infer<typeof webhookDeliveryStatusSchema>;

/**
 * One event on its way to one URL, as the delivery log stores it (`arbor webhooks RUN` shows these).
 * Stored before the first attempt and updated after each, so a restart resumes what was pending.
 */
export const webhookDeliverySchema = z.object({
  schemaVersion: z.literal(1),
  /** The event id and a hash of the URL: one delivery per (event, URL). */
  id: z.string().min(1),
  eventId: z.string().min(1),
  type: webhookEventTypeSchema,
  runId: z.string().min(1),
  nodeId: z.string().nullable(),
  /** The receiver's URL, its password hidden (see `webhookTarget`). */
  url: z.string().min(1),
  payload: webhookPayloadSchema,
  status: webhookDeliveryStatusSchema,
  attempts: z.number().int().nonnegative(),
  /** The HTTP status of the last answer; null when none came (refused, reset, timed out). */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  /**
   * The process that holds the next attempt (see `WebhookDeliveryLog.claim`), and until when; null
   * between attempts. Absent on deliveries stored before.
   */
  claimedBy: z.string().nullable().default(null),
  claimedUntil: z.string().nullable().default(null),
});

/** One event on its way to one URL. */
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** What an attempt changes on a delivery. */
export type WebhookDeliveryPatch = Partial<
  Pick<
    WebhookDelivery,
    | 'status'
    | 'attempts'
    | 'lastStatus'
    | 'lastError'
    | 'lastAttemptAt'
    | 'nextAttemptAt'
    | 'deliveredAt'
    | 'claimedBy'
    | 'claimedUntil'
  >
>;

/** One process's hold on the next attempt of a delivery (see `WebhookDeliveryLog.claim`). */
export interface WebhookAttemptClaim {
  owner: string;
  /** The attempts the claimer saw: the claim fails if another process made one since. */
  attempts: number;
  /** The claimer's clock now, and until when the hold lasts (ISO). */
  now: string;
  until: string;
}

/** Whether `claim` may take the delivery's next attempt: pending, as the claimer saw it, and held by nobody else now. */
export function mayClaim(delivery: WebhookDelivery, claim: WebhookAttemptClaim): boolean {
  return (
    delivery.status === 'pending' &&
    delivery.attempts === claim.attempts &&
    (delivery.claimedBy === null ||
      delivery.claimedBy === claim.owner ||
      delivery.claimedUntil === null ||
      delivery.claimedUntil < claim.now)
  );
}

/** A new delivery of `payload` to `url` (as stored: its password hidden), due at once. */
export function newWebhookDelivery(payload: WebhookPayload, url: string, now: Date): WebhookDelivery {
  const at = now.toISOString();
  return {
    schemaVersion: 1,
    id: `${payload.id}_${createHash('sha256').update(url).digest('hex').slice(0, 12)}`,
    eventId: payload.id,
    type: payload.type,
    runId: payload.runId,
    nodeId: payload.node?.id ?? null,
    url,
    payload,
    status: 'pending',
    attempts: 0,
    lastStatus: null,
    lastError: null,
    createdAt: at,
    lastAttemptAt: null,
    nextAttemptAt: at,
    deliveredAt: null,
    claimedBy: null,
    claimedUntil: null,
  };
}
