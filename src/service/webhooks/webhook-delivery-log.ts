import type { WebhookDelivery, WebhookDeliveryPatch } from './webhook-delivery.js';

/**
 * Where webhook deliveries are kept, beside the runs (embedded: a file under the store's folder;
 * MongoDB: the `webhook_deliveries` collection). Small on purpose: what the dispatcher and
 * `arbor webhooks RUN` need.
 */
export interface WebhookDeliveryLog {
  /** Stores a new delivery; false (and nothing changes) when one with its id is already stored. */
  record(delivery: WebhookDelivery): Promise<boolean>;
  /** Applies what an attempt changed to a stored delivery. */
  update(deliveryId: string, patch: WebhookDeliveryPatch): Promise<void>;
  /** A run's deliveries, oldest first. */
  listByRun(runId: string): Promise<WebhookDelivery[]>;
  /** Deliveries still pending, the soonest due first; at most `limit` of them. */
  listPending(limit: number): Promise<WebhookDelivery[]>;
  /** Releases what the log holds open (not the store it lives in). */
  close(): Promise<void>;
}
