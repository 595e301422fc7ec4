import { err, ok, type Result } from './result.js';

/** A task with sibling dependencies, by key. */
export interface KeyedTask {
  key: string;
  dependsOn: readonly string[];
}

/**
 * Groups tasks into topological levels: level 0 has no dependencies, level n depends only on
 * earlier levels. Order within a level follows the input. Fails naming a cycle if there is one.
 */
export function dependencyLevels(tasks: readonly KeyedTask[]): Result<string[][]> {
  const levelOf = new Map<string, number>();
  const byKey = new Map(tasks.map((task) => [task.key, task]));
  const visiting = new Set<string>();

  const visit = (key: string, trail: string[]): Result<number> => {
    const known = levelOf.get(key);
    if (known !== undefined) return ok(known);
    if (visiting.has(key)) return err(`dependency cycle: ${[...trail.slice(trail.indexOf(key)), key].join(' → ')}`);
    const task = byKey.get(key);
    if (!task) return err(`unknown task key "${key}"`);
    visiting.add(key);
    let level = 0;
    for (const dependency of task.dependsOn) {
      const inner = visit(dependency, [...trail, key]);
      if (!inner.success) return inner;
      level = Math.max(level, inner.value + 1);
    }
    visiting.delete(key);
    levelOf.set(key, level);
    return ok(level);
  };

  const levels: string[][] = [];
  for (const task of tasks) {
    const level = visit(task.key, []);
    if (!level.success) return level;
  }
  for (const task of tasks) (levels[levelOf.get(task.key)!] ??= []).push(task.key);
  return ok(levels);
}
