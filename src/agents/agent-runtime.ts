import type { AgentRole, Usage } from '../domain/index.js';
import type { Model, ModelRequest, ModelResponse } from '../llm/model.js';
import type { AgentConfig } from './agent-config.js';
import type { AgentsConfig } from './agents-config.js';
import type { PromptTemplate, PromptTemplates } from './prompt-templates.js';

/** What one call looked like, for progress output and logs. */
export interface CallRecord {
  role: AgentRole;
  nodeId: string;
  attempt: number;
  request: ModelRequest;
  response: ModelResponse | null;
  error: string | null;
  /** The model's provider and id, set when the call starts. */
  provider?: string;
  model?: string;
  /** Provider faults retried so far within the call. */
  retries: number;
}

/** What the agents need from the engine: models, settings, concurrency slots and budget checks. */
export interface AgentRuntime {
  agents: AgentsConfig;
  templates: PromptTemplates;
  /** The model of a role's calls; on a node whose written step names an `agent`, that step's model. */
  modelFor(role: AgentRole, nodeId?: string): Model;
  /** A role's settings on a node: the run's agent file, or the agent file its written step names for that role. */
  configFor(role: AgentRole, nodeId: string): AgentConfig;
  /** A role's prompt template on a node, as {@link configFor} chooses the agent file. */
  templateFor(role: AgentRole, nodeId: string): PromptTemplate;
  /** Stable per run; providers use it as a prompt-cache key. */
  cacheKey: string;
  /** Runs `call` inside the global and the role's concurrency slots; `nodeId` lets the engine put urgent work first. */
  withSlot<T>(role: AgentRole, call: () => Promise<T>, nodeId: string): Promise<T>;
  /**
   * Reserves budget for a call about to start; throws (or rejects with) `BudgetExceededError` when it
   * would not fit. Asynchronous when the budgets live in the store (a run shared by workers).
   */
  reserve(estimate: { inputTokens: number; maxOutputTokens: number }): Reservation | Promise<Reservation>;
  signal: AbortSignal;
  onCallStart?(record: CallRecord): void;
  onCallEnd?(record: CallRecord): void;
  onRetry?(info: { role: AgentRole; nodeId: string; attempt: number; delayMs: number; reason: string }): void;
}

/** Budget held for one call until its real usage is known. */
export interface Reservation {
  settle(usage: Usage): void | Promise<void>;
  /** Gives the reservation back when the call failed before using anything. */
  cancel(): void | Promise<void>;
}

/**
 * What a written step's `agent` changes on its node (DESIGN §10): a model spec gives every role on
 * the node that model; an agent file gives the role it names its settings, template and model.
 */
export interface StepAgent {
  modelFor: (role: AgentRole) => Model;
  configFor: (role: AgentRole) => AgentConfig;
  templateFor: (role: AgentRole) => PromptTemplate;
}
