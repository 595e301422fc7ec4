import { describe, expect, it } from 'vitest';
import { emptyUsage, newNode, type NodeStatus, type TaskNode } from '../domain/index.js';
import { renderLiveFrame, type LiveState } from './live-frame.js';

const at = '2025-01-01T12:00:00.000Z';

function node(id: string, parent: TaskNode | null, status: NodeStatus, order = 0): TaskNode {
  const created = newNode({ runId: 'r-1', id, parent, order, key: id, title: `Task ${id}`, description: '', status, at });
  return { ...created, status };
}

function state(nodes: TaskNode[]): LiveState {
  return {
    runId: 'r-1',
    rootId: '0',
    nodes: new Map(nodes.map((entry) => [entry.id, entry])),
    usage: { ...emptyUsage, inputTokens: 1500, outputTokens: 500, calls: 4 },
    calls: 2,
    startedAt: 0,
    finishedHere: 2,
  };
}

describe('live frame', () => {
  const root = node('0', null, 'decomposed');
  const done = node('1', root, 'decomposed', 0);
  const doneChildren = [node('1.1', done, 'completed', 0), node('1.2', done, 'completed', 1)];
  const finished = { ...done, status: 'completed' as const };
  const running = node('2', root, 'running', 1);
  const waiting = node('3', root, 'awaiting_approval', 2);

  it('shows a header with counts, time, tokens, cost and an estimate, then the tree', () => {
    const frame = renderLiveFrame(state([root, finished, ...doneChildren, running, waiting]), { rows: 40, columns: 100, now: 10_000, color: false });
    expect(frame).toEqual([
      'Arbor r-1  10.0s  6 nodes  2 calls in flight  2.0k tok  $0.0000  left: 3 open, ≥15.0s',
      '▶ 1 running  ▿ 1 decomposed  ⏸ 1 awaiting approval  ✓ 3 completed',
      '▿ 0 Task 0',
      '  ✓ 1 Task 1  (2 below)',
      '  ▶ 2 Task 2',
      '  ⏸ 3 Task 3  (needs a decision)',
    ]);
  });

  it('keeps the running frontier and its ancestors when the tree is taller than the terminal', () => {
    const many = Array.from({ length: 30 }, (_, index) => node(`${index + 4}`, root, 'pending', index + 3));
    const deep = node('2.1', running, 'running');
    const frame = renderLiveFrame(state([root, finished, ...doneChildren, running, deep, waiting, ...many]), { rows: 10, columns: 80, now: 1000, color: false });
    expect(frame).toHaveLength(9);
    expect(frame).toContain('  ▶ 2 Task 2');
    expect(frame).toContain('    ▶ 2.1 Task 2.1');
    expect(frame).toContain('  ⏸ 3 Task 3  (needs a decision)');
    expect(frame.at(-1)).toMatch(/^… 29 more lines \(finished or waiting\); arbor tree r-1 shows all$/);
  });

  it('cuts every line to the terminal width so nothing wraps, and uses no control codes without colour', () => {
    const long = { ...running, title: 'x'.repeat(300) };
    const frame = renderLiveFrame(state([root, long]), { rows: 20, columns: 40, now: 0, color: false });
    for (const line of frame) expect(line.length).toBeLessThanOrEqual(39);
    expect(frame.join('\n')).not.toContain('\u001b');
  });
});
