import { z } from 'zod';
import { nodeStatusSchema } from '../../domain/index.js';

/** The events a webhook receives (the list): run ends, and nodes that fail or wait for a person. */
export const webhookEventTypeSchema = z.enum([
  'run.completed',
  'run.failed',
  'run.awaiting_approval',
  'node.failed',
  'node.awaiting_approval',
]);

/** One webhook event type, e.g. `node.awaiting_approval`. */
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

/**
 * The JSON body of a webhook POST. `id` is the event's id, the same on every delivery attempt and
 * after a restart, so receivers de-duplicate on it (delivery is at least once). `link` is the path of
 * the run or node in the service's API (`/v1/runs/RUN` or `/v1/runs/RUN/nodes/NODE`).
 */
export const webhookPayloadSchema = z.object({
  id: z.string().min(1),
  type: webhookEventTypeSchema,
  runId: z.string().min(1),
  node: z.object({ id: z.string(), title: z.string(), status: nodeStatusSchema }).optional(),
  /** When the event happened (ISO 8601). */
  at: z.string(),
  link: z.string(),
});

/** The JSON body of a webhook POST. */
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
