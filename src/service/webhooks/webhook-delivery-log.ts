import type { WebhookAttemptClaim, WebhookDelivery, WebhookDeliveryPatch } from './webhook-delivery.js';

/**
 * Where webhook deliveries are kept, beside the runs (embedded: a file under the store's folder;
 * MongoDB: the `webhook_deliveries` collection). Small on purpose: what the dispatcher and
 * `arbor webhooks RUN` need.
 */
export interface WebhookDeliveryLog {
  /** Stores a new delivery; false (and nothing changes) when one with its id is already stored. */
  record(delivery: WebhookDelivery): Promise<boolean>;
  /**
   * Takes the next attempt of a delivery for `claim.owner` until `claim.until`: true for exactly one
   * of several processes that hold the delivery, while it is pending, has the attempts they saw, and
   * nobody else's claim lasts (see `mayClaim`). So two services on one store never both make an attempt.
   */
  claim(deliveryId: string, claim: WebhookAttemptClaim): Promise<boolean>;
  /** Applies what an attempt changed to a stored delivery. */
  update(deliveryId: string, patch: WebhookDeliveryPatch): Promise<void>;
  /** A run's deliveries, oldest first. */
  listByRun(runId: string): Promise<WebhookDelivery[]>;
  /** Deliveries still pending, the soonest due first; at most `limit` of them. */
  listPending(limit: number): Promise<WebhookDelivery[]>;
  /** Releases what the log holds open (not the store it lives in). */
  close(): Promise<void>;
}
