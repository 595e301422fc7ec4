// The package root (`import { startRun } from 'arbor'`): the library API and the types it speaks in.
export * from './api/index.js';
export { openStore } from './store/index.js';
export type { ListRunsOptions, Store } from './store/index.js';
export type { EngineEvent, RunOutcome } from './engine/index.js';
export type { AnswerSchema, ChatMessage, FinishReason, Model, ModelRequest, ModelResponse } from './llm/model.js';
export { createScriptedModel } from './llm/scripted/index.js';
export {
  ArborError,
  NotFoundError,
  RunTakenOverError,
  StateConflictError,
  StoreError,
  UsageError,
  planFileSchema,
  planJsonSchema,
  type AgentRole,
  type Condition,
  type ParamValue,
  type PlanFile,
  type PlanStep,
  type RetryPolicy,
  type RunPlan,
  type Decision,
  type DecisionAction,
  type Limits,
  type NodeEvent,
  type NodeStatus,
  type Run,
  type RunStatus,
  type TaskNode,
  type Usage,
} from './domain/index.js';
// Webhooks (the service sends them; a receiver checks them with verifyWebhookSignature).
export {
  openWebhookDeliveryLog,
  signWebhook,
  verifyWebhookSignature,
  webhookEventsFor,
  WebhookDispatcher,
  webhookPayloadSchema,
  type WebhookDelivery,
  type WebhookDeliveryLog,
  type WebhookDispatcherOptions,
  type WebhookEventType,
  type WebhookPayload,
  type WebhookRetryPolicy,
} from './service/webhooks/index.js';
