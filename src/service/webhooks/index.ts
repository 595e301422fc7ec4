export { EmbeddedWebhookLog, type EmbeddedWebhookLogOptions } from './embedded-webhook-log.js';
export { MongoWebhookLog, webhookDeliveriesCollection, webhookDeliveryIndexes } from './mongo-webhook-log.js';
export { openWebhookDeliveryLog } from './open-webhook-delivery-log.js';
export { postWebhook, type PostWebhookOptions, type PostWebhookOutcome } from './post-webhook.js';
export { signWebhook, verifyWebhookSignature } from './sign-webhook.js';
export {
  newWebhookDelivery,
  webhookDeliverySchema,
  webhookDeliveryStatusSchema,
  type WebhookDelivery,
  type WebhookDeliveryPatch,
  type WebhookDeliveryStatus,
} from './webhook-delivery.js';
export type { WebhookDeliveryLog } from './webhook-delivery-log.js';
export { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
export { webhookEventsFor, type WebhookRun } from './webhook-events-for.js';
export { webhookTarget, type WebhookTarget } from './webhook-target.js';
export {
  webhookEventTypeSchema,
  webhookPayloadSchema,
  type WebhookEventType,
  type WebhookPayload,
} from './webhook-payload.js';
export {
  afterFailedAttempt,
  defaultWebhookRetryPolicy,
  webhookRetryDelayMs,
  type AfterFailedAttemptOptions,
  type WebhookRetryPolicy,
} from './webhook-retry-policy.js';
