import path from 'node:path';
import { agentRoles, UsageError, type AgentRole } from '../domain/index.js';
import { agentConfigSchema, policiesFileSchema, type AgentConfig } from './agent-config.js';
import type { AgentsConfig } from './agents-config.js';
import { readYamlFile, type YamlFileKind } from './read-yaml-file.js';

const agentFile: YamlFileKind = {
  what: 'agent file',
  readHint: 'pass --agents DIR pointing at a folder with planner.yaml, sequencer.yaml, executor.yaml and checker.yaml',
  fieldsHint: 'see "Agent files" in the README for the fields and their types',
};

/**
 * Reads `planner.yaml`, `sequencer.yaml`, `executor.yaml`, `checker.yaml` and the optional
 * `policies.yaml` from `dir`. Any problem is a `UsageError` naming the file and the field.
 */
export async function loadAgentsConfig(dir: string): Promise<AgentsConfig> {
  const roles = {} as Record<AgentRole, AgentConfig>;
  for (const role of agentRoles) {
    const file = path.join(dir, `${role}.yaml`);
    const config = await readYamlFile(file, agentConfigSchema, { ...agentFile, required: true });
    if (config.role !== role)
      throw new UsageError(`${file} says role "${config.role}", but the file is for the ${role}`, {
        hint: `set "role: ${role}" in ${file}`,
      });
    roles[role] = config;
  }
  const policies = await readYamlFile(path.join(dir, 'policies.yaml'), policiesFileSchema, { ...agentFile, required: false });
  return { roles, approvalPolicies: policies?.approvals ?? [], dir };
}
