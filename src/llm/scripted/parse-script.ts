import type { z } from 'zod';
import { agentRoles, UsageError, type AgentRole } from '../../domain/index.js';
import { compileAnswerTemplate, type AnswerTemplate } from './answer-template.js';
import { scriptFileSchema, type ValidScriptFile } from './script-file.js';

/** How a matched rule or default answers. */
export type ScriptAnswer =
  | { kind: 'respond'; template: AnswerTemplate }
  | { kind: 'auto' }
  | { kind: 'error'; status: number; retryAfterMs: number | undefined; message: string | undefined }
  | { kind: 'raw'; text: string };

/** A rule ready to match: its regex compiled, its answer's templates compiled. */
export interface ScriptRule {
  /** Position in the file (0-based), for messages. */
  index: number;
  role: AgentRole;
  title: RegExp | null;
  depth: number | null;
  attempt: number | null;
  /** How many times the rule answers the same call before it stops matching; null is always. */
  times: number | null;
  delayMs: number | null;
  answer: ScriptAnswer;
}

/** A validated, compiled script. */
export interface Script {
  /** Where it came from: a file path, or a label for an inline script. */
  source: string;
  /** The model id the scripted model reports: the file name. */
  name: string;
  /** Latency of calls whose rule sets none. */
  delayMs: number;
  rules: readonly ScriptRule[];
  defaults: Partial<Record<AgentRole, ScriptAnswer>>;
}

/** Where the script format is explained, shown under every script error. */
export const scriptFormatHint =
  'Each rule needs a role (planner, sequencer, executor or checker), optional title (a regex), depth, ' +
  'attempt, times and delayMs, and exactly one of respond, error or raw; see examples/demo.script.yaml.';

/**
 * Validates a script definition (the parsed YAML or JSON) and compiles its regexes and templates
 * once. Throws a `UsageError` naming the source and every problem found.
 */
export function parseScript(definition: unknown, source = 'inline script'): Script {
  const parsed = scriptFileSchema.safeParse(definition ?? {});
  if (!parsed.success) throw scriptError(source, parsed.error.issues.map(describeIssue));
  return compile(parsed.data, source);
}

/** Builds the error every script problem is reported with. */
export function scriptError(source: string, problems: readonly string[]): UsageError {
  const message =
    problems.length === 1
      ? `script ${source}: ${problems[0]}`
      : `script ${source} has ${problems.length} problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
  return new UsageError(message, { hint: scriptFormatHint });
}

function compile(file: ValidScriptFile, source: string): Script {
  const rules = (file.rules ?? []).map((rule, index): ScriptRule => ({
    index,
    role: rule.role,
    title: rule.title ?? null,
    depth: rule.depth ?? null,
    attempt: rule.attempt ?? null,
    times: rule.times ?? null,
    delayMs: rule.delayMs ?? null,
    answer: compileAnswer(rule, ['rules', index, 'respond'], source),
  }));
  const defaults: Partial<Record<AgentRole, ScriptAnswer>> = {};
  for (const role of agentRoles) {
    const respond = file.defaults?.[role];
    if (respond !== undefined) defaults[role] = compileAnswer({ respond }, ['defaults', role], source);
  }
  return { source, name: baseName(source), delayMs: file.delayMs ?? 0, rules, defaults };
}

function compileAnswer(
  rule: { respond?: Record<string, unknown> | 'auto'; error?: ValidRuleError; raw?: string },
  respondPath: readonly (string | number)[],
  source: string,
): ScriptAnswer {
  if (rule.error !== undefined)
    return {
      kind: 'error',
      status: rule.error.status,
      retryAfterMs: rule.error.retryAfterMs,
      message: rule.error.message,
    };
  if (rule.raw !== undefined) return { kind: 'raw', text: rule.raw };
  if (rule.respond === 'auto') return { kind: 'auto' };
  const compiled = compileAnswerTemplate(rule.respond ?? {}, respondPath);
  if (!compiled.success)
    throw scriptError(source, [
      `${formatPath(compiled.error.path)}: invalid template: ${compiled.error.message}`,
    ]);
  return { kind: 'respond', template: compiled.value };
}

type ValidRuleError = NonNullable<NonNullable<ValidScriptFile['rules']>[number]['error']>;

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function baseName(source: string): string {
  return source.split(/[\\/]/).pop() ?? source;
}
