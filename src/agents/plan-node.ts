import type { AgentRuntime } from './agent-runtime.js';
import { askAgent, type AgentOutcome } from './ask-agent.js';
import { baseTemplateData, type NodeContext } from './node-context.js';
import { subjectOf } from './subject-of.js';

/** Asks the planner to break the node (the root prompt, or a node an executor found too big) into tasks. */
export function planNode(runtime: AgentRuntime, context: NodeContext): Promise<AgentOutcome<'planner'>> {
  const reason = context.node.pipeline.execution?.reason ?? null;
  const prompt = runtime.templateFor('planner', context.node.id)({
    ...baseTemplateData(context),
    decomposeReason: context.node.parentId === null ? null : reason,
    depthLeft: context.maxDepth - context.node.depth - 1,
  });
  return askAgent(runtime, { role: 'planner', prompt, subject: subjectOf(context, 'planner') });
}
