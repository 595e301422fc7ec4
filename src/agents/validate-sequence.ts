import {
  err,
  sequenceByDependencies,
  topologicalLevels,
  ok,
  type PlannedTask,
  type Result,
  type SequencerAnswer,
} from '../domain/index.js';

/**
 * Checks a sequencer answer against the planned tasks: every task placed exactly once, known keys
 * only, no dependency cycle (planner and sequencer edges together), and every task in a later group
 * than everything it depends on.
 */
export function validateSequence(
  tasks: readonly PlannedTask[],
  answer: SequencerAnswer,
): Result<SequencerAnswer> {
  const keys = new Set(tasks.map((task) => task.key));
  const groupOf = new Map<string, number>();
  for (const [index, group] of answer.groups.entries()) {
    for (const key of group) {
      if (!keys.has(key)) return err(`group ${index + 1} names unknown task "${key}"`);
      if (groupOf.has(key)) return err(`task "${key}" is placed more than once`);
      groupOf.set(key, index);
    }
  }
  const missing = tasks.filter((task) => !groupOf.has(task.key)).map((task) => `"${task.key}"`);
  if (missing.length > 0) return err(`tasks missing from the groups: ${missing.join(', ')}`);
  for (const edge of answer.dependsOn) {
    for (const key of [edge.key, ...edge.on])
      if (!keys.has(key)) return err(`dependsOn names unknown task "${key}"`);
  }
  for (const key of answer.integration)
    if (!keys.has(key)) return err(`integration names unknown task "${key}"`);

  const graph = mergedDependencies(tasks, answer);
  const levels = topologicalLevels(graph);
  if (!levels.success) return err(levels.error);
  for (const task of graph) {
    for (const dependency of task.dependsOn) {
      if (groupOf.get(dependency)! >= groupOf.get(task.key)!)
        return err(
          `task "${task.key}" depends on "${dependency}" but is not in a later group (groups ${groupOf.get(dependency)! + 1} and ${groupOf.get(task.key)! + 1})`,
        );
    }
  }
  return ok(answer);
}

/** The planner's dependencies plus the sequencer's, per task, without duplicates. */
export function mergedDependencies(
  tasks: readonly PlannedTask[],
  answer: Pick<SequencerAnswer, 'dependsOn'>,
): Array<{ key: string; dependsOn: string[] }> {
  const extra = new Map<string, string[]>();
  for (const edge of answer.dependsOn) extra.set(edge.key, [...(extra.get(edge.key) ?? []), ...edge.on]);
  return tasks.map((task) => ({
    key: task.key,
    dependsOn: [...new Set([...task.dependsOn, ...(extra.get(task.key) ?? [])])],
  }));
}

/** The order Arbor derives itself from the planner's dependencies (topological levels). */
export function fallbackSequence(tasks: readonly PlannedTask[], reason: string): SequencerAnswer {
  const derived = sequenceByDependencies(
    tasks,
    `derived by Arbor from the planner's dependencies (topological levels): ${reason}`,
  );
  if (derived.success) return derived.value;
  // The planner's schema rejects cycles and unknown keys, so this only guards hand-made plans.
  return {
    groups: tasks.map((task) => [task.key]),
    dependsOn: [],
    integration: [],
    rationale: derived.error,
  };
}
