import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { agentConfigSchema, parseKeptAgentFile, readYamlFile, type AgentConfig } from '../agents/index.js';
import { isAgentFileSpec, UsageError, type PlanStep, type RunPlan } from '../domain/index.js';
import { checkPlanText, PlanCheckError, type CheckedPlan, type ParamInput } from '../plans/index.js';

/**
 * A written plan: the path of a YAML or JSON file, or its text (the service, code of your own, a
 * schedule). With text, `agentFiles` are agent files its steps name, read before (a schedule keeps
 * them): those are not read again.
 */
export type PlanInput = string | { text: string; source?: string; agentFiles?: Readonly<Record<string, unknown>> };

/** A plan read and checked, as a run stores it. */
export interface ReadPlan extends CheckedPlan {
  /** The file it came from (absolute), or null for text. */
  file: string | null;
  /** What problems name: the path as given, or the text's `source` (default `plan`). */
  source: string;
  /** The plan's text as read and checked. */
  text: string;
  /** The agent files steps name as their `agent` (relative to the plan's folder), read and checked, by that text. */
  agentFiles: Record<string, AgentConfig>;
}

/**
 * Reads and checks a written plan before anything runs (issue 16): every problem, with its line and
 * column, is thrown at once as a {@link PlanCheckError} (exit status 2). With `params`, they are
 * checked as a run would (a missing required param is a problem); without, the file alone is.
 */
export async function readPlan(input: PlanInput, params?: ParamInput): Promise<ReadPlan> {
  const { text, file, source } = await planText(input);
  const checked = checkPlanText(text, params ? { params } : {});
  if (!checked.success) throw new PlanCheckError(source, checked.error);
  const given = typeof input === 'string' ? {} : (input.agentFiles ?? {});
  const agentFiles = await readAgentFiles(checked.value.plan.steps, file ? path.dirname(file) : process.cwd(), given);
  return { ...checked.value, file, source, text, agentFiles };
}

/**
 * Reads the agent files the steps name (DESIGN §10: a step's `agent` is a model or a role file),
 * relative to `dir`: any problem names the step and the file.
 */
async function readAgentFiles(
  steps: readonly PlanStep[],
  dir: string,
  given: Readonly<Record<string, unknown>>,
): Promise<Record<string, AgentConfig>> {
  const files: Record<string, AgentConfig> = {};
  for (const [agent, stored] of Object.entries(given)) files[agent] = parseKeptAgentFile(agent, stored);
  const visit = async (step: PlanStep): Promise<void> => {
    const agent = step.agent;
    if (agent !== undefined && isAgentFileSpec(agent) && !(agent in files)) {
      const file = path.resolve(dir, agent);
      try {
        files[agent] = await readYamlFile(file, agentConfigSchema, {
          what: 'agent file',
          required: true,
          readHint: `fix the path in the step's agent: it is read relative to the plan's folder (${dir})`,
          fieldsHint: 'see "Agent files" in the README for the fields and their types',
        });
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        throw new UsageError(`step "${step.key}" names agent "${agent}": ${error.message}`, {
          cause: error,
          ...(error.hint === undefined ? {} : { hint: error.hint }),
        });
      }
    }
    for (const child of step.steps ?? []) await visit(child);
  };
  for (const step of steps) await visit(step);
  return files;
}

/** The text of a plan input, its file (absolute, or null for text) and the name its problems go by. */
async function planText(input: PlanInput): Promise<{ text: string; file: string | null; source: string }> {
  if (typeof input !== 'string') {
    // From JavaScript, a plan object itself (the HTTP body's form) comes here too.
    if (typeof (input as { text?: unknown } | null)?.text !== 'string')
      throw new UsageError('a plan is a file path or { text } (YAML or JSON), not a plan object', {
        hint: 'pass plan: "ship.yaml", or plan: { text: JSON.stringify(planObject) }',
      });
    return { text: input.text, file: null, source: input.source ?? 'plan' };
  }
  try {
    return { text: await readFile(input, 'utf8'), file: path.resolve(input), source: input };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read plan ${input}: ${reason}`, {
      cause: error,
      hint: 'pass --plan FILE.yaml (or .json), or the name of a plan in the plans folder (arbor plan list)',
    });
  }
}

/** What a run keeps of its plan, and the steps its root is planned by. */
export function runPlanOf(plan: ReadPlan): { run: RunPlan; steps: readonly PlanStep[] } {
  return {
    run: {
      name: plan.plan.name,
      version: String(plan.plan.version),
      source: plan.file,
      params: plan.params,
      agents: plan.agentFiles,
    },
    steps: plan.plan.steps,
  };
}
