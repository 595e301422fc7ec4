import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { agentRoles, UsageError, type AgentRole } from '../domain/index.js';
import { agentConfigSchema, policiesFileSchema, type AgentConfig } from './agent-config.js';
import type { AgentsConfig } from './agents-config.js';

/**
 * Reads `planner.yaml`, `sequencer.yaml`, `executor.yaml`, `checker.yaml` and the optional
 * `policies.yaml` from `dir`. Any problem is a `UsageError` naming the file and the field.
 */
export async function loadAgentsConfig(dir: string): Promise<AgentsConfig> {
  const roles = {} as Record<AgentRole, AgentConfig>;
  for (const role of agentRoles) {
    const file = path.join(dir, `${role}.yaml`);
    const config = await readYamlFile(file, agentConfigSchema, { required: true });
    if (config.role !== role)
      throw new UsageError(`${file} says role "${config.role}", but the file is for the ${role}`, {
        hint: `set "role: ${role}" in ${file}`,
      });
    roles[role] = config;
  }
  const policies = await readYamlFile(path.join(dir, 'policies.yaml'), policiesFileSchema, { required: false });
  return { roles, approvalPolicies: policies?.approvals ?? [], dir };
}

async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: { required: true },
): Promise<z.infer<S>>;
async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: { required: false },
): Promise<z.infer<S> | undefined>;
async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: { required: boolean },
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read agent file ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'pass --agents DIR pointing at a folder with planner.yaml, sequencer.yaml, executor.yaml and checker.yaml',
    });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new UsageError(`agent file ${file} is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
      hint: 'fix the YAML syntax in that file',
    });
  }
  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the file';
    throw new UsageError(`agent file ${file}: ${field}: ${issue?.message ?? 'invalid'}`, {
      hint: 'see "Agent files" in the README for the fields and their types',
    });
  }
  return parsed.data;
}
