import { ok, type Result } from './result.js';
import type { SequencerAnswer } from './sequencer-answer.js';
import { topologicalLevels, type TaskDependencies } from './topological-levels.js';

/**
 * A sequencer answer derived from the tasks' own dependencies: the groups are their topological
 * levels and no task is marked as an integration step. The scripted `auto` sequencer answers with it.
 */
export function sequenceByDependencies(
  tasks: readonly TaskDependencies[],
  rationale = 'Groups are the topological levels of the dependencies: each group waits only on earlier ones.',
): Result<SequencerAnswer> {
  const levels = topologicalLevels(tasks);
  if (!levels.success) return levels;
  return ok({
    groups: levels.value,
    dependsOn: tasks
      .filter((task) => task.dependsOn.length > 0)
      .map((task) => ({ key: task.key, on: [...new Set(task.dependsOn)] })),
    integration: [],
    rationale,
  });
}
