import { describe, expect, it } from 'vitest';
import { childId, newNode, rootNodeId, type TaskNode } from '../domain/index.js';
import { CriticalPathRank } from './critical-path-rank.js';
import { TreeState } from './tree-state.js';

const at = '2026-01-01T00:00:00.000Z';

function children(parent: TaskNode, dependsOn: number[][]): TaskNode[] {
  return dependsOn.map((on, order) =>
    newNode({
      runId: 'r',
      id: childId(parent.id, order),
      parent,
      order,
      key: `k${order}`,
      title: `${parent.id}/${order}`,
      description: '',
      dependsOn: on.map((index) => childId(parent.id, index)),
      status: on.length === 0 ? 'ready' : 'pending',
      at,
    }),
  );
}

describe('critical path rank', () => {
  // Root children: 1 ← 2 ← 3 is a chain, 4 stands alone; node 1 has two independent children, 4 one.
  const root = newNode({
    runId: 'r',
    id: rootNodeId,
    parent: null,
    order: 0,
    key: 'root',
    title: 'p',
    description: 'p',
    status: 'running',
    at,
  });
  const top = children(root, [[], [0], [1], []]);
  const underFirst = children(top[0]!, [[], []]);
  const underFourth = children(top[3]!, [[]]);
  const rank = new CriticalPathRank(new TreeState([root, ...top, ...underFirst, ...underFourth]));

  it('puts nodes with longer chains of siblings waiting on them first', () => {
    expect(rank.priorityOf('1', 'executor')).toBeGreaterThan(rank.priorityOf('2', 'executor'));
    expect(rank.priorityOf('2', 'executor')).toBeGreaterThan(rank.priorityOf('3', 'executor'));
    expect(rank.priorityOf('3', 'executor')).toBe(rank.priorityOf('4', 'executor'));
  });

  it('gives children the urgency of the ancestors that others wait on', () => {
    expect(rank.priorityOf('1.1', 'executor')).toBeGreaterThan(rank.priorityOf('2', 'executor'));
  });

  it('puts the shallower of two equally urgent nodes first, and urgency before depth', () => {
    expect(rank.priorityOf('4', 'executor')).toBeGreaterThan(rank.priorityOf('4.1', 'executor'));
    expect(rank.priorityOf('1', 'executor')).toBeGreaterThan(rank.priorityOf('1.1', 'executor'));
    // Depth only breaks ties: a deeper node more urgent, or continuing its work, still goes first.
    expect(rank.priorityOf('1.1', 'executor')).toBeGreaterThan(rank.priorityOf('2', 'planner'));
    expect(rank.priorityOf('4.1', 'checker')).toBeGreaterThan(rank.priorityOf('4', 'executor'));
  });

  it('continues a started node before starting a new one of the same rank', () => {
    expect(rank.priorityOf('4', 'checker')).toBeGreaterThan(rank.priorityOf('3', 'executor'));
    expect(rank.priorityOf('4', 'planner')).toBeLessThan(rank.priorityOf('2', 'executor'));
  });
});
