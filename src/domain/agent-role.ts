import { z } from 'zod';

/** The four agents of a run. */
export const agentRoleSchema = z.enum(['planner', 'sequencer', 'executor', 'checker']);

/** One of the four agents of a run. */
export type AgentRole = z.infer<typeof agentRoleSchema>;

/** Every role, in pipeline order. */
export const agentRoles: readonly AgentRole[] = agentRoleSchema.options;
