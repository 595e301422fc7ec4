import type { PlannedTask } from './planner-answer.js';
import { err, ok, type Result } from './result.js';

/** The part of a task that orders it among its siblings. */
export type TaskDependencies = Pick<PlannedTask, 'key' | 'dependsOn'>;

/**
 * Groups sibling tasks into topological levels: level 0 depends on nothing, and every task sits one
 * level after the last task it depends on. Tasks keep their input order within a level. Fails with
 * a message naming the cycle, an unknown key or a duplicate key.
 */
export function topologicalLevels(tasks: readonly TaskDependencies[]): Result<string[][]> {
  const keys = new Set<string>();
  for (const task of tasks) {
    if (keys.has(task.key)) return err(`duplicate task key "${task.key}"`);
    keys.add(task.key);
  }
  for (const task of tasks) {
    const unknown = task.dependsOn.find((key) => !keys.has(key));
    if (unknown !== undefined) return err(`task "${task.key}" depends on unknown key "${unknown}"`);
  }

  const levels: string[][] = [];
  const placed = new Set<string>();
  let waiting = [...tasks];
  while (waiting.length > 0) {
    const level = waiting.filter((task) => task.dependsOn.every((key) => placed.has(key)));
    if (level.length === 0) return err(`dependency cycle: ${findCycle(waiting).join(' → ')}`);
    for (const task of level) placed.add(task.key);
    levels.push(level.map((task) => task.key));
    waiting = waiting.filter((task) => !placed.has(task.key));
  }
  return ok(levels);
}

/** Follows unplaced dependencies from the first waiting task until a key repeats. */
function findCycle(waiting: readonly TaskDependencies[]): string[] {
  const byKey = new Map(waiting.map((task) => [task.key, task]));
  const path: string[] = [];
  let current = waiting[0];
  while (current !== undefined && !path.includes(current.key)) {
    path.push(current.key);
    const next: string | undefined = current.dependsOn.find((key) => byKey.has(key));
    current = next === undefined ? undefined : byKey.get(next);
  }
  if (current === undefined) return path;
  return [...path.slice(path.indexOf(current.key)), current.key];
}
