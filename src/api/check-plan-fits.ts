import { UsageError, type PlanStep } from '../domain/index.js';
import { sameNote } from '../engine/index.js';

/**
 * Checks a written plan against the run it starts: no step nests deeper than `maxDepth` (the
 * executor's limit does not stop written levels, so it is checked here), and every notes file a
 * step names is one of the run's notes (else the step would quietly get all of them).
 */
export function checkPlanFits(steps: readonly PlanStep[], run: { notePaths: readonly string[]; maxDepth: number }): void {
  const deepest = deepestStep(steps, 1);
  if (deepest !== null && deepest.depth > run.maxDepth)
    throw new UsageError(
      `the plan nests step "${deepest.key}" ${deepest.depth} levels deep, deeper than the run's max depth (${run.maxDepth})`,
      { hint: `raise it with --max-depth ${deepest.depth} (limits.maxDepth from code), or write the plan with fewer levels` },
    );
  forEachStep(steps, (step) => {
    const missing = step.notes.find((reference) => !run.notePaths.some((notePath) => sameNote(reference, notePath)));
    if (missing === undefined) return;
    const given = run.notePaths.length === 0 ? 'the run has none' : `the run has ${run.notePaths.join(', ')}`;
    throw new UsageError(`step "${step.key}" draws on notes file "${missing}", which is not one of the run's notes (${given})`, {
      hint: `pass it with --notes ${missing} (notes from code), or take it out of the step's notes`,
    });
  });
}

/** The deepest step (top-level steps are at depth 1, as their nodes are), or null for none. */
function deepestStep(steps: readonly PlanStep[], depth: number): { key: string; depth: number } | null {
  let deepest: { key: string; depth: number } | null = null;
  for (const step of steps) {
    const found = step.steps && step.steps.length > 0 ? deepestStep(step.steps, depth + 1) : { key: step.key, depth };
    if (found && (!deepest || found.depth > deepest.depth)) deepest = found;
  }
  return deepest;
}

function forEachStep(steps: readonly PlanStep[], visit: (step: PlanStep) => void): void {
  for (const step of steps) {
    visit(step);
    forEachStep(step.steps ?? [], visit);
  }
}
