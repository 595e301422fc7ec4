import path from 'node:path';
import { err, limitReached, ModelBehaviourError, ok, type ExecutorAnswer, type Result } from '../domain/index.js';
import type { AgentRuntime } from './agent-runtime.js';
import { askAgent, type AgentOutcome } from './ask-agent.js';
import { baseTemplateData, failedChecks, type NodeContext } from './node-context.js';
import { parseAnswer } from './parse-answer.js';
import { subjectOf } from './subject-of.js';

/** Options of {@link executeNode}. */
export interface ExecuteNodeOptions {
  /** False at max depth: the executor must complete the node itself. */
  canDecompose: boolean;
  /** Guidance a person gave when they asked for a retry. */
  guidance: string | null;
  /**
   * Why decomposing is refused when the depth limit is not the reason: a written step with
   * `plan: manual` (issue 16). Its executor must complete it; no depth limit is named.
   */
  refusal?: string;
}

/**
 * Asks the executor to complete the node or decompose it. Earlier check feedback and a person's
 * guidance are in the prompt; a decompose where none is allowed, or an artifact path outside the
 * output folder, is sent back as an invalid answer. An executor that still decomposes at the depth
 * limit when its re-asks run out fails with that limit on the error, naming `--max-depth`.
 */
export async function executeNode(
  runtime: AgentRuntime,
  context: NodeContext,
  options: ExecuteNodeOptions,
): Promise<AgentOutcome<'executor'>> {
  const prompt = runtime.templateFor('executor', context.node.id)({
    ...baseTemplateData(context),
    attempt: context.node.attempts,
    previousChecks: failedChecks(context.node),
    guidance: options.guidance,
    canDecompose: options.canDecompose,
  });
  const outcome = await askAgent(runtime, {
    role: 'executor',
    prompt,
    subject: subjectOf(context, 'executor'),
    validate: (answer) => checkExecutorAnswer(answer, options, context.maxDepth),
  });
  if (outcome.success || options.canDecompose || options.refusal || !isDecompose(outcome.lastAnswer)) return outcome;
  const limit = limitReached('maxDepth', context.maxDepth);
  const tries = outcome.calls === 1 ? '1 try' : `${outcome.calls} tries`;
  const { role, nodeId, runId } = outcome.error;
  const message = `the executor still decomposed the task after ${tries}, but ${limit.message}`;
  return { ...outcome, error: new ModelBehaviourError(message, { role, nodeId, runId, limit }) };
}

/** Whether the executor's last answer was a valid decompose (one the depth limit refused). */
function isDecompose(text: string | null): boolean {
  if (text === null) return false;
  const parsed = parseAnswer('executor', text);
  return parsed.success && parsed.value.action === 'decompose';
}

function checkExecutorAnswer(answer: ExecutorAnswer, options: ExecuteNodeOptions, maxDepth: number): Result<ExecutorAnswer> {
  if (answer.action === 'decompose' && !options.canDecompose)
    return err(
      options.refusal ??
      `decomposition refused: the tree may not grow deeper than ${maxDepth} levels, so this task must be completed directly`,
    );
  for (const artifact of answer.result?.artifacts ?? []) {
    const problem = artifactPathProblem(artifact.path);
    if (problem) return err(`artifact path "${artifact.path}" ${problem}`);
  }
  return ok(answer);
}

/** Why an artifact path would escape the run's output folder, or null when it is safe. */
export function artifactPathProblem(artifactPath: string): string | null {
  if (artifactPath.includes('\0')) return 'contains a NUL byte';
  if (path.isAbsolute(artifactPath) || path.win32.isAbsolute(artifactPath))
    return 'is absolute; use a path relative to the output folder';
  const normalized = path.posix.normalize(artifactPath.replaceAll('\\', '/'));
  if (normalized === '..' || normalized.startsWith('../') || normalized === '.')
    return 'leaves the output folder; use a relative path without ".."';
  return null;
}
