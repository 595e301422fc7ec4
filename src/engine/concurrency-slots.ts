import pLimit, { type LimitFunction } from 'p-limit';
import { agentRoles, type AgentRole } from '../domain/index.js';
import type { AgentsConfig } from '../agents/index.js';

/** One global limit of calls in flight plus one per role (DESIGN §7). */
export class ConcurrencySlots {
  private readonly global: LimitFunction;
  private readonly perRole: Record<AgentRole, LimitFunction>;

  constructor(globalLimit: number, agents: AgentsConfig) {
    this.global = pLimit(globalLimit);
    this.perRole = Object.fromEntries(
      agentRoles.map((role) => [role, pLimit(agents.roles[role].concurrency)]),
    ) as Record<AgentRole, LimitFunction>;
  }

  /** Runs `call` once both the role's slot and a global slot are free. */
  run<T>(role: AgentRole, call: () => Promise<T>): Promise<T> {
    return this.perRole[role](() => this.global(call));
  }
}
