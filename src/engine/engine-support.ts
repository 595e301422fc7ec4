import type { BudgetExceededError, NodeError, TaskNode } from '../domain/index.js';
import { budgetExceeded } from './budget-exceeded.js';

/** The root is always planned first: its stored "execution" says so, so resume treats it alike. */
export const rootExecution = {
  action: 'decompose' as const,
  reason: 'the request is always planned first',
  result: null,
};

/** The clock of every engine write. */
export function now(): string {
  return new Date().toISOString();
}

/** Anything thrown, as an `Error`. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Why a node whose dependency failed or was cancelled is skipped. */
export function dependencyError(blocker: TaskNode): NodeError {
  return { kind: 'dependency', message: `dependency ${blocker.id} "${blocker.title}" ${blocker.status}` };
}

/** The node budget is reached: stop new work, resumable with a higher limit (`--max-nodes`). */
export function nodesExceeded(maxNodes: number): BudgetExceededError {
  return budgetExceeded('maxNodes', maxNodes);
}
