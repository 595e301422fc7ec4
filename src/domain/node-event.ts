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
});

/** A recorded status change. */
export type NodeEvent = z.infer<typeof nodeEventSchema>;
