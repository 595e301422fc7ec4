import path from 'node:path';
import { err, ok, type ExecutorAnswer, type Result } from '../domain/index.js';
import type { AgentRuntime } from './agent-runtime.js';
import { askAgent, type AgentOutcome } from './ask-agent.js';
import { baseTemplateData, failedChecks, type NodeContext } from './node-context.js';
import { subjectOf } from './subject-of.js';

/** Options of {@link executeNode}. */
export interface ExecuteNodeOptions {
  /** False at max depth: the executor must complete the node itself. */
  canDecompose: boolean;
  /** Guidance a person gave when they asked for a retry. */
  guidance: string | null;
}

/**
 * Asks the executor to complete the node or decompose it. Earlier check feedback and a person's
 * guidance are in the prompt; a decompose where none is allowed, or an artifact path outside the
 * output folder, is sent back as an invalid answer.
 */
export function executeNode(
  runtime: AgentRuntime,
  context: NodeContext,
  options: ExecuteNodeOptions,
): Promise<AgentOutcome<'executor'>> {
  const prompt = runtime.templates.executor({
    ...baseTemplateData(context),
    attempt: context.node.attempts,
    previousChecks: failedChecks(context.node),
    guidance: options.guidance,
    canDecompose: options.canDecompose,
  });
  return askAgent(runtime, {
    role: 'executor',
    prompt,
    subject: subjectOf(context, 'executor'),
    validate: (answer) => checkExecutorAnswer(answer, options.canDecompose, context.maxDepth),
  });
}

function checkExecutorAnswer(answer: ExecutorAnswer, canDecompose: boolean, maxDepth: number): Result<ExecutorAnswer> {
  if (answer.action === 'decompose' && !canDecompose)
    return err(
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
