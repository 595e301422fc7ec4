import { z } from 'zod';
import { nodeStatusSchema } from './node-status.js';

/** A recorded status change: who moved which node, when, from what, to what, and why (DESIGN §3). */
export const nodeEventSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  nodeId: z.string(),
  type: z.string(),
  from: nodeStatusSchema.nullable(),
  to: nodeStatusSchema,
  actor: z.string(),
  reason: z.string().nullable(),
  at: z.string(),
  /**
   * The event's place in its run's order, from 1 (see `Store.listEventsAfter`). Set by the store
   * when it stores the event; events of runs stored before it existed carry none.
   */
  seq: z.number().int().positive().optional(),
});

/** A recorded status change. */
export type NodeEvent = z.infer<typeof nodeEventSchema>;
