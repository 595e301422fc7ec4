import type { AgentRuntime } from './agent-runtime.js';
import { askAgent, type AgentOutcome } from './ask-agent.js';
import { baseTemplateData, failedChecks, type NodeContext } from './node-context.js';
import { subjectOf } from './subject-of.js';

/** Asks the checker to verify the node's result against its description. */
export function checkNode(runtime: AgentRuntime, context: NodeContext): Promise<AgentOutcome<'checker'>> {
  const prompt = runtime.templateFor('checker', context.node.id)({
    ...baseTemplateData(context),
    attempt: context.node.attempts,
    result: context.node.pipeline.execution?.result ?? context.node.result,
    previousChecks: failedChecks(context.node),
  });
  return askAgent(runtime, { role: 'checker', prompt, subject: subjectOf(context, 'checker') });
}
