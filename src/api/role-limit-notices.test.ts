import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema, type AgentsConfig } from '../agents/index.js';
import { agentRoles, type AgentRole } from '../domain/index.js';
import { roleLimitNotices } from './role-limit-notices.js';

function agentsIn(dir: string, concurrency: Partial<Record<AgentRole, number>>): AgentsConfig {
  const roles = Object.fromEntries(
    agentRoles.map((role) => [role, agentConfigSchema.parse({ role, template: `${role}.hbs`, concurrency: concurrency[role] })]),
  ) as AgentsConfig['roles'];
  return { roles, approvalPolicies: [], dir };
}

describe('role limit notices', () => {
  it('names each role an agent file limits below the global limit, with the file, relative to the working directory', () => {
    const agents = agentsIn('/work/project/agents', { executor: 8, checker: 20, planner: 30 });
    expect(roleLimitNotices(agents, 20, '/work/project')).toEqual([
      'executor limited to 8 of 20 slots by agents/executor.yaml',
    ]);
  });

  it('says nothing when no role sets a limit (the shipped agent files) or the global limit is lower', () => {
    expect(roleLimitNotices(agentsIn('/work/project/agents', {}), 20, '/work/project')).toEqual([]);
    expect(roleLimitNotices(agentsIn('/work/project/agents', { executor: 8 }), 8, '/work/project')).toEqual([]);
  });

  it('keeps the full path of agent files outside the working directory', () => {
    const agents = agentsIn('/opt/arbor/agents', { sequencer: 1 });
    expect(roleLimitNotices(agents, 4, '/work/project')).toEqual([
      `sequencer limited to 1 of 4 slots by ${path.join('/opt/arbor/agents', 'sequencer.yaml')}`,
    ]);
  });
});
