import type { AgentRole } from './agent-role.js';
import type { LimitStop } from './limit-reached.js';
import type { BudgetName } from './limits.js';

/** Structured context that lets the CLI say where a failure happened. */
export interface ArborErrorOptions {
  cause?: unknown;
  runId?: string;
  nodeId?: string;
  role?: AgentRole;
  /** What the user can do about it, shown under the message. */
  hint?: string;
  /**
   * The same for a program using `arbor serve` (the problem's `fix`), where `hint` names a command:
   * the route to call instead. Unset: `hint` serves both.
   */
  httpHint?: string;
}

/** Base class of every error Arbor throws on purpose. */
export class ArborError extends Error {
  readonly runId: string | undefined;
  readonly nodeId: string | undefined;
  readonly role: AgentRole | undefined;
  readonly hint: string | undefined;
  readonly httpHint: string | undefined;

  constructor(message: string, options: ArborErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.runId = options.runId;
    this.nodeId = options.nodeId;
    this.role = options.role;
    this.hint = options.hint;
    this.httpHint = options.httpHint;
  }
}

/** Bad input or configuration from the user: the CLI exits with status 2 before any work starts. */
export class UsageError extends ArborError {}

/** A run or node that the store does not hold (the service answers 404). */
export class NotFoundError extends UsageError {}

/** A request that the run or node's state does not allow now, e.g. deciding a node that does not wait (409). */
export class StateConflictError extends UsageError {}

/** A model answered, but not usefully: invalid JSON, a schema violation, a refusal, truncation. */
export class ModelBehaviourError extends ArborError {
  /** The run limit its answers kept breaking (a decompose at the depth limit), when that is why. */
  readonly limit: LimitStop | undefined;

  constructor(message: string, options: ArborErrorOptions & { limit?: LimitStop } = {}) {
    super(message, options);
    this.limit = options.limit;
  }
}

/** A model provider could not be reached or kept failing (rate limits, 5xx, timeouts). */
export class ProviderError extends ArborError {
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** How long the provider asked us to wait before retrying, when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: ArborErrorOptions & { status?: number; retryable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message, options);
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The store failed or refused a write (unreachable, conflicting update, corrupt file). */
export class StoreError extends ArborError {}

/** Another writer changed a node first: the caller's view of it is stale. */
export class ConflictError extends StoreError {}

/**
 * This process no longer holds the run it drives: another process took the run over after this
 * one's MongoDB lease lapsed (no renewal reached the store in time). The store refuses this
 * process's further writes of the run, and its drive stops where it is; the new holder goes on.
 */
export class RunTakenOverError extends StoreError {}

/** A run budget would be exceeded by the next call; the engine stops new work cleanly. */
export class BudgetExceededError extends ArborError {
  readonly budget: BudgetName;

  constructor(budget: BudgetName, message: string, options: ArborErrorOptions = {}) {
    super(message, options);
    this.budget = budget;
  }
}
