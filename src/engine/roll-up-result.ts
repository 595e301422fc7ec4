import type { NodeResult, TaskNode } from '../domain/index.js';

/** A decomposed node's result: its children's summaries, in order (DESIGN §1.6). */
export function rollUpResult(children: readonly TaskNode[]): NodeResult {
  const completed = children.filter((child) => child.status === 'completed');
  // The others by status, in the order they first come: "1 failed, 2 skipped".
  const others = new Map<string, number>();
  for (const child of children) if (child.status !== 'completed') others.set(child.status, (others.get(child.status) ?? 0) + 1);
  const rest = [...others].map(([status, count]) => `, ${count} ${status}`).join('');
  const lines = children.map((child) =>
    child.status === 'completed'
      ? `- ${child.title}: ${child.result?.summary ?? ''}`
      : `- ${child.title}: ${child.status}${child.error ? ` (${child.error.message})` : ''}`,
  );
  return {
    summary: `${completed.length} of ${children.length} subtasks completed${rest}`,
    output: lines.join('\n'),
    artifacts: [],
  };
}
