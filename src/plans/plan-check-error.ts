import { UsageError } from '../domain/index.js';
import type { PlanPosition } from './plan-locator.js';

/** One problem a plan check found, where it is in the file. */
export interface PlanProblem extends PlanPosition {
  message: string;
}

/** `FILE:LINE:COLUMN: message`, as editors and terminals link it. */
export function formatPlanProblem(source: string, problem: PlanProblem): string {
  return `${source}:${problem.line}:${problem.column}: ${problem.message}`;
}

/**
 * A plan that failed its check (`arbor plan check`, `run --plan`): every problem, with its line and
 * column. A usage error, so the CLI exits 2; nothing was stored.
 */
export class PlanCheckError extends UsageError {
  readonly problems: readonly PlanProblem[];
  readonly source: string;

  constructor(source: string, problems: readonly PlanProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  ${formatPlanProblem(source, problem)}`);
    super(`${source === 'plan' ? 'the plan' : `plan ${source}`} has ${count}:\n${lines.join('\n')}`, {
      hint: 'fix them and check again with: arbor plan check FILE (see "Writing plans" in the README)',
    });
    this.problems = problems;
    this.source = source;
  }
}
