import { describe, expect, it } from 'vitest';
import { newNode, type NodeStatus, type TaskNode } from '../domain/index.js';
import { rollUpResult } from './roll-up-result.js';

function child(order: number, title: string, status: NodeStatus, extra: Partial<TaskNode> = {}): TaskNode {
  const node = newNode({ runId: 'r', id: String(order), parent: null, order, key: `k${order}`, title, description: title, status, at: '2026-01-01T00:00:00.000Z' });
  return { ...node, ...extra };
}

describe('rollUpResult', () => {
  it('counts the children that did not complete by their status, not all as skipped', () => {
    const result = rollUpResult([
      child(1, 'Build', 'completed', { result: { summary: 'built', output: '', artifacts: [] } }),
      child(2, 'Primary deploy', 'failed', { error: { kind: 'internal', message: 'the host refused' } }),
      child(3, 'Fallback deploy', 'completed', { result: { summary: 'deployed', output: '', artifacts: [] } }),
      child(4, 'Announce', 'skipped'),
    ]);
    expect(result.summary).toBe('2 of 4 subtasks completed, 1 failed, 1 skipped');
    expect(result.output).toBe(
      ['- Build: built', '- Primary deploy: failed (the host refused)', '- Fallback deploy: deployed', '- Announce: skipped'].join('\n'),
    );
    expect(rollUpResult([child(1, 'Only', 'completed')]).summary).toBe('1 of 1 subtasks completed');
  });
});
