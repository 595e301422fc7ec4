import type { AgentRole, Usage } from '../domain/index.js';

/** Calls an agent had already been answered (and billed) for before a later call of it threw. */
export interface SpentBeforeError {
  role: AgentRole;
  calls: number;
  usage: Usage;
}

const spentByError = new WeakMap<object, SpentBeforeError>();

/**
 * Notes on a thrown error what the agent's earlier calls cost, e.g. an invalid answer whose re-ask
 * then hit a provider failure or a budget. The error keeps its type (the engine tells budget stops
 * from provider faults by it); the engine reads the spend back with {@link spentBeforeError}.
 */
export function markSpentBeforeError(error: unknown, spent: SpentBeforeError): void {
  if (spent.calls > 0 && typeof error === 'object' && error !== null) spentByError.set(error, spent);
}

/** What the agent's earlier calls cost before `error` was thrown, if anything. */
export function spentBeforeError(error: unknown): SpentBeforeError | undefined {
  return typeof error === 'object' && error !== null ? spentByError.get(error) : undefined;
}
