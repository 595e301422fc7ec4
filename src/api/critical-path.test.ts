import { describe, expect, it } from 'vitest';
import { sampleTree, statsCall, statsNode } from '../../test/support/stats-records.js';
import { criticalPath } from './critical-path.js';

const titles = (path: ReturnType<typeof criticalPath>) => path.steps.map((step) => step.title);

describe('criticalPath', () => {
  it('follows dependencies between siblings into a decomposed node and its slowest child', () => {
    const path = criticalPath({ rootId: '0', ...sampleTree(9) });
    expect(path.ms).toBe(14_000);
    expect(titles(path)).toEqual(['Build a shop', 'Model', 'API', 'Handlers']);
    expect(path.steps.map((step) => step.callMs)).toEqual([3000, 3000, 4000, 4000]);
  });

  it('picks an independent sibling when its own chain is the longer one', () => {
    const path = criticalPath({ rootId: '0', ...sampleTree(12) });
    expect(path.ms).toBe(15_000);
    expect(titles(path)).toEqual(['Build a shop', 'Docs']);
  });

  it("counts every call of a node in sequence, retries and the parent's calls after its children too", () => {
    const root = statsNode('0', { title: 'root' });
    const leaf = statsNode('1', { parent: root, title: 'leaf', createdAt: 1 });
    const path = criticalPath({
      rootId: '0',
      nodes: [root, leaf],
      calls: [
        statsCall('0', 'planner', 0, 1),
        statsCall('1', 'executor', 1, 2),
        statsCall('1', 'checker', 2, 3),
        statsCall('1', 'executor', 3, 5, { attempt: 2 }),
        statsCall('1', 'checker', 5, 6, { attempt: 2 }),
        statsCall('0', 'checker', 6, 8),
      ],
    });
    expect(path.ms).toBe(8000);
    expect(path.steps).toEqual([
      { nodeId: '0', title: 'root', depth: 0, callMs: 3000 },
      { nodeId: '1', title: 'leaf', depth: 1, callMs: 5000 },
    ]);
  });

  it('leaves out nodes without calls and survives a dependency cycle in a damaged store', () => {
    const root = statsNode('0');
    const a = statsNode('1', { parent: root, order: 0, dependsOn: ['2'] });
    const b = statsNode('2', { parent: root, order: 1, dependsOn: ['1'] });
    const path = criticalPath({
      rootId: '0',
      nodes: [root, a, b],
      calls: [statsCall('2', 'executor', 0, 1)],
    });
    expect(path.ms).toBe(1000);
    expect(path.steps.map((step) => step.nodeId)).toEqual(['2']);
  });
});
