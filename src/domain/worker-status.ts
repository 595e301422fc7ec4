import { z } from 'zod';
import { agentRoleSchema } from './agent-role.js';

/** One node a worker is working on: which run, which node, which agent. */
export const workerTaskSchema = z.object({
  runId: z.string(),
  nodeId: z.string(),
  role: agentRoleSchema,
});

/** One node a worker is working on. */
export type WorkerTask = z.infer<typeof workerTaskSchema>;

/**
 * A live worker's heartbeat (`arbor worker`, `arbor workers`): who it is, where it runs and what it
 * is working on. Stored one document per worker; a worker whose heartbeat stopped is gone.
 */
export const workerStatusSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int().nonnegative(),
  /** The roles it serves. */
  roles: z.array(agentRoleSchema),
  concurrency: z.number().int().positive(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  running: z.array(workerTaskSchema),
});

/** A worker's heartbeat. */
export type WorkerStatus = z.infer<typeof workerStatusSchema>;
