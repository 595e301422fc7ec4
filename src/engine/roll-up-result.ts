import type { NodeResult, TaskNode } from '../domain/index.js';

/** A decomposed node's result: its children's summaries, in order (DESIGN §1.6). */
export function rollUpResult(children: readonly TaskNode[]): NodeResult {
  const completed = children.filter((child) => child.status === 'completed');
  const skipped = children.length - completed.length;
  const lines = children.map((child) =>
    child.status === 'completed'
      ? `- ${child.title}: ${child.result?.summary ?? ''}`
      : `- ${child.title}: ${child.status}${child.error ? ` (${child.error.message})` : ''}`,
  );
  return {
    summary: `${completed.length} of ${children.length} subtasks completed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    output: lines.join('\n'),
    artifacts: [],
  };
}
