import { eachStep, UsageError, type PlanStep } from '../domain/index.js';
import { checkCostLimit } from './check-cost-limit.js';
import type { PreparedAgents } from './prepare-run.js';

/** Builds the models a written step's `agent` names, so a missing key or script fails before anything is stored. */
export function checkStepAgents(
  steps: readonly PlanStep[],
  prepared: PreparedAgents,
  maxCostUsd: number | null,
): void {
  for (const { step } of eachStep(steps)) {
    if (step.agent !== undefined)
      try {
        checkCostLimit(maxCostUsd, prepared.stepAgent(step.agent).modelFor);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        throw new UsageError(`step "${step.key}" names agent "${step.agent}": ${error.message}`, {
          cause: error,
          hint: error.hint ?? "fix the step's agent in the plan",
        });
      }
  }
}
