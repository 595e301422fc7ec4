export { agentAnswerSchemas, type AgentAnswers } from './agent-answer.js';
export { agentRoles, agentRoleSchema, type AgentRole } from './agent-role.js';
export {
  approvalSchema,
  decisionActionSchema,
  decisionSchema,
  decisionsFor,
  type Approval,
  type Decision,
  type DecisionAction,
} from './approval.js';
export { checkerAnswerSchema, type CheckerAnswer } from './checker-answer.js';
export {
  ArborError,
  BudgetExceededError,
  ConflictError,
  ModelBehaviourError,
  ProviderError,
  StoreError,
  NotFoundError,
  RunTakenOverError,
  StateConflictError,
  UsageError,
  type ArborErrorOptions,
} from './errors.js';
export {
  artifactSchema,
  executorAnswerSchema,
  nodeResultSchema,
  type Artifact,
  type ExecutorAnswer,
  type NodeResult,
} from './executor-answer.js';
export { fillAnswerDefaults } from './fill-answer-defaults.js';
export {
  budgetFlags,
  budgetNameSchema,
  defaultLimits,
  limitsSchema,
  type BudgetName,
  type Limits,
} from './limits.js';
export { limitReached, limitStopSchema, type LimitStop, type Spent } from './limit-reached.js';
export { nodeEventSchema, type NodeEvent } from './node-event.js';
export {
  countByStatus,
  isTerminal,
  nodeStatusSchema,
  settledStatuses,
  terminalStatuses,
  type NodeStatus,
} from './node-status.js';
export {
  plannedTaskSchema,
  plannerAnswerSchema,
  type PlannedTask,
  type PlannerAnswer,
} from './planner-answer.js';
export { err, ok, type Result } from './result.js';
export {
  noteRefSchema,
  isOpenRun,
  runSchema,
  runSchemaVersion,
  runStatusSchema,
  runTraceSchema,
  stopReasonSchema,
  type NoteRef,
  type Run,
  type RunPatch,
  type RunStatus,
  type RunTrace,
  type StopReason,
} from './run.js';
export { sequencerAnswerSchema, type SequencerAnswer } from './sequencer-answer.js';
export {
  checkRecordSchema,
  emptyPipeline,
  leaseSchema,
  noCalls,
  nodeErrorSchema,
  nodeSchemaVersion,
  pipelineSchema,
  roleCallsSchema,
  taskNodeSchema,
  type CheckRecord,
  type Lease,
  type NodeError,
  type NodePatch,
  type Pipeline,
  type RoleCalls,
  type TaskNode,
} from './task-node.js';
export {
  transition,
  type NodeTransitionEvent,
  type TransitionOptions,
  type TransitionOutcome,
} from './transition.js';
export { addUsage, emptyUsage, totalTokens, usageSchema, type Usage } from './usage.js';
export { childId, newNode, rootNodeId, type NewNodeOptions } from './new-node.js';
export { sequenceByDependencies } from './sequence-by-dependencies.js';
export { topologicalLevels, type TaskDependencies } from './topological-levels.js';
export { capCallText, maxStoredCallTextBytes, modelCallSchema, type ModelCall } from './model-call.js';
export { workerStatusSchema, workerTaskSchema, type WorkerStatus, type WorkerTask } from './worker-status.js';
export { didYouMean } from './did-you-mean.js';
export { knownKeys } from './known-keys.js';
export { retryDelay } from './retry-delay.js';
export {
  conditionSteps,
  evaluateCondition,
  type ConditionOutcome,
  type ConditionScope,
} from './evaluate-condition.js';
export {
  conditionOperators,
  conditionSchema,
  conditionTestSchemas,
  paramValueSchema,
  planFileSchema,
  isAgentFileSpec,
  planJsonSchema,
  planParamSchema,
  planStepSchema,
  eachStep,
  retryPolicySchema,
  runPlanSchema,
  type Condition,
  type ParamValue,
  type PlanFile,
  type PlanParam,
  type PlanStep,
  type PlanStepInput,
  type RetryPolicy,
  type RunPlan,
} from './plan-file.js';
export {
  applySchedulePatch,
  applyTickClaim,
  catchUpPolicies,
  newSchedule,
  overlapPolicies,
  scheduleNamePattern,
  scheduleSchema,
  scheduleSchemaVersion,
  type CatchUpPolicy,
  type NewSchedule,
  type OverlapPolicy,
  type Schedule,
  type SchedulePatch,
  type TickClaim,
} from './schedule.js';
