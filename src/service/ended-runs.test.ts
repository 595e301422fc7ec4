import { describe, expect, it } from 'vitest';
import { newNode, type Run, type TaskNode } from '../domain/index.js';
import { EndedRuns } from './ended-runs.js';

const at = '2026-12-07T00:00:00.000Z';
const run = (id: string, changes: Partial<Run> = {}) => ({ id, status: 'completed', updatedAt: at, ...changes }) as Run;
const nodes = (runId: string, count: number): TaskNode[] =>
  Array.from({ length: count }, (_, index) =>
    newNode({ runId, id: String(index), parent: null, order: index, key: `k${index}`, title: 'T', description: 'D', status: 'completed', at }),
  );

describe('EndedRuns', () => {
  it('answers a kept run while the stored run is as it ended, and forgets it once it changed', () => {
    const ended = new EndedRuns(100);
    ended.keep({ run: run('a'), nodes: nodes('a', 3) });
    expect(ended.current(run('a'))?.nodes).toHaveLength(3);
    expect(ended.current(run('a', { updatedAt: '2026-12-07T00:00:01.000Z' }))).toBeNull();
    expect(ended.has('a')).toBe(false);
    ended.keep({ run: run('b'), nodes: nodes('b', 3) });
    expect(ended.current(run('b', { status: 'running' }))).toBeNull();
    expect(ended.nodes).toBe(0);
  });

  it('keeps at most its bound of nodes, forgetting the oldest runs first, and no run larger than it', () => {
    const ended = new EndedRuns(10);
    ended.keep({ run: run('a'), nodes: nodes('a', 4) });
    ended.keep({ run: run('b'), nodes: nodes('b', 4) });
    ended.keep({ run: run('c'), nodes: nodes('c', 4) });
    expect([ended.has('a'), ended.has('b'), ended.has('c')]).toEqual([false, true, true]);
    expect(ended.nodes).toBe(8);
    ended.keep({ run: run('d'), nodes: nodes('d', 11) });
    expect(ended.has('d')).toBe(false);
    expect(ended.nodes).toBe(8);
    // Kept again (a drive of it ended again): counted once.
    ended.keep({ run: run('c'), nodes: nodes('c', 5) });
    expect(ended.nodes).toBe(9);
  });
});
