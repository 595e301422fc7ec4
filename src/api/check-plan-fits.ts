import { eachStep, UsageError, type PlanStep } from '../domain/index.js';
import { sameNote } from '../engine/index.js';

/**
 * Checks a written plan against the run it starts: no step nests deeper than `maxDepth` (the
 * executor's limit does not stop written levels, so it is checked here), and every notes file a
 * step names is one of the run's notes (else the step would quietly get all of them).
 */
export function checkPlanFits(steps: readonly PlanStep[], run: { notePaths: readonly string[]; maxDepth: number }): void {
  const all = eachStep(steps);
  // The first of the deepest steps.
  let deepest = all[0];
  for (const entry of all) if (entry.depth > deepest!.depth) deepest = entry;
  if (deepest && deepest.depth > run.maxDepth)
    throw new UsageError(
      `the plan nests step "${deepest.step.key}" ${deepest.depth} levels deep, deeper than the run's max depth (${run.maxDepth})`,
      { hint: `raise it with --max-depth ${deepest.depth} (limits.maxDepth from code), or write the plan with fewer levels` },
    );
  for (const { step } of all) {
    const missing = step.notes.find((reference) => !run.notePaths.some((notePath) => sameNote(reference, notePath)));
    if (missing === undefined) continue;
    const given = run.notePaths.length === 0 ? 'the run has none' : `the run has ${run.notePaths.join(', ')}`;
    throw new UsageError(`step "${step.key}" draws on notes file "${missing}", which is not one of the run's notes (${given})`, {
      hint: `pass it with --notes ${missing} (notes from code), or take it out of the step's notes`,
    });
  }
}
