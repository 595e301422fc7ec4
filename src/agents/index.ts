export {
  agentConfigSchema,
  approvalPolicySchema,
  parseKeptAgentFile,
  type AgentConfig,
  type ApprovalPolicy,
} from './agent-config.js';
export type { AgentRuntime, CallRecord, Reservation, StepAgent } from './agent-runtime.js';
export type { AgentsConfig } from './agents-config.js';
export { answerSchemaFor } from './answer-json-schema.js';
export { askAgent, type AgentOutcome, type AgentQuestion } from './ask-agent.js';
export { checkNode } from './check-node.js';
export { artifactPathProblem, executeNode, type ExecuteNodeOptions } from './execute-node.js';
export { loadAgentsConfig } from './load-agents-config.js';
export { type NodeContext, type NoteText } from './node-context.js';
export { parseAnswer } from './parse-answer.js';
export { planNode } from './plan-node.js';
export { loadPromptTemplate, loadPromptTemplates, type PromptTemplate, type PromptTemplates, type RenderedPrompt } from './prompt-templates.js';
export { roleLimitsBelow, type RoleLimit } from './role-limits.js';
export { markSpentBeforeError, spentBeforeError, type SpentBeforeError } from './spent-before-error.js';
export { sequenceTasks, type SequenceOutcome } from './sequence-tasks.js';
export { fallbackSequence, mergedDependencies, validateSequence } from './validate-sequence.js';
export { readYamlFile, type YamlFileKind } from './read-yaml-file.js';
