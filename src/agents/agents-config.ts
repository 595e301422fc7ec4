import type { AgentRole } from '../domain/index.js';
import type { AgentConfig, ApprovalPolicy } from './agent-config.js';

/** Every role's settings plus the approval policies: what `agents/` holds. */
export interface AgentsConfig {
  roles: Record<AgentRole, AgentConfig>;
  approvalPolicies: ApprovalPolicy[];
  /** The folder it was read from. */
  dir: string;
}
