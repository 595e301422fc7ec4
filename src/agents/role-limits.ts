import path from 'node:path';
import { agentRoles, type AgentRole } from '../domain/index.js';
import type { AgentsConfig } from './agents-config.js';

/** A role whose own limit (set in its agent file) is below the run's global limit. */
export interface RoleLimit {
  role: AgentRole;
  limit: number;
  /** The agent file that sets it. */
  file: string;
}

/**
 * The roles an agent file limits to fewer calls in flight than the global `--concurrency`: those
 * roles cannot use every slot the user asked for, so the CLI says so at start (DESIGN §7). Roles
 * without a limit of their own, or with one at or above the global limit, are not listed.
 */
export function roleLimitsBelow(agents: AgentsConfig, globalLimit: number): RoleLimit[] {
  return agentRoles.flatMap((role) => {
    const limit = agents.roles[role].concurrency;
    return limit !== null && limit < globalLimit ? [{ role, limit, file: path.join(agents.dir, `${role}.yaml`) }] : [];
  });
}
