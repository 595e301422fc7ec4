import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { agentRoles, didYouMean, UsageError, type AgentRole } from '../domain/index.js';
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
    const frame = error instanceof YAMLParseError && error.linePos ? codeFrame(text, error.linePos[0]) : null;
    const what = (error as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const where = frame ? ` at line ${frame.line}` : '';
    throw new UsageError(`agent file ${file} is not valid YAML${where}: ${what}${frame ? `\n${frame.text}` : ''}`, {
      cause: error,
      hint: 'fix the YAML syntax in that file',
    });
  }
  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the file';
    const known = 'shape' in schema && typeof schema.shape === 'object' && schema.shape !== null ? Object.keys(schema.shape) : [];
    const typo = issue?.code === 'unrecognized_keys' ? issue.keys.map((key) => [key, didYouMean(key, known)] as const).find(([, meant]) => meant) : undefined;
    throw new UsageError(`agent file ${file}: ${field}: ${issue?.message ?? 'invalid'}${typo ? ` (did you mean "${typo[1]}"?)` : ''}`, {
      hint: typo ? `rename "${typo[0]}" to "${typo[1]}" in that file` : 'see "Agent files" in the README for the fields and their types',
    });
  }
  return parsed.data;
}

/**
 * The line a YAML error points at, with a caret under the column. An error at the end of the text
 * (an unclosed bracket) points at the last line that has text, with the caret after it.
 */
function codeFrame(text: string, at: { line: number; col: number }): { line: number; text: string } {
  const lines = text.split('\n');
  let line = Math.min(at.line, lines.length);
  let col = at.col;
  while (line > 1 && (lines[line - 1] ?? '').trim() === '') {
    line--;
    col = (lines[line - 1] ?? '').length + 1;
  }
  const number = String(line);
  return { line, text: `  ${number} | ${lines[line - 1] ?? ''}\n  ${' '.repeat(number.length)} | ${' '.repeat(Math.max(0, col - 1))}^` };
}
