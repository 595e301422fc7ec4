import { describe, expect, it } from 'vitest';
import { criticalChain, meanChain } from '../../bench/critical-chain.js';
import { driveSyntheticRun } from '../../bench/drive-synthetic-run.js';
import { syntheticTree, type SyntheticNode, type SyntheticTree } from '../../bench/synthetic-tree.js';
import { makespanLowerBound, treeBounds } from '../../bench/tree-bounds.js';
import { verdict } from '../../bench/verdict.js';
import { sampleRun } from '../support/sample-documents.js';
import { at, statsCall, statsNode } from '../support/stats-records.js';

/** A hand-built node: only the fields the bounds read matter. */
function node(
  key: string,
  depth: number,
  children: SyntheticNode[] = [],
  dependsOn: string[] = [],
): SyntheticNode {
  return { title: key, key, description: '', depth, path: key, dependsOn, children, output: '' };
}

/** A tree of the given root, its nodes listed root first. */
function treeOf(root: SyntheticNode): SyntheticTree {
  const nodes: SyntheticNode[] = [];
  const walk = (at: SyntheticNode) => {
    nodes.push(at);
    at.children.forEach(walk);
  };
  walk(root);
  return {
    spec: { nodes: nodes.length, seed: 0, maxBranching: 5, maxDepth: 6, dependencyChance: 0 },
    root,
    byTitle: new Map(nodes.map((each) => [each.title, each])),
    nodes,
  };
}

describe('the makespan lower bound of the scheduling benchmark', () => {
  // root → a (→ a1, a2 after a1), b after a, c.
  const tree = treeOf(
    node('root', 0, [
      node('a', 1, [node('a1', 2), node('a2', 2, [], ['a1'])]),
      node('b', 1, [], ['a']),
      node('c', 1),
    ]),
  );

  it('counts every call: the root plans and sequences, an inner node also executes, a leaf executes and is checked', () => {
    // root 2 + a 3 + a1, a2, b, c 2 each.
    expect(treeBounds(tree)).toMatchObject({ nodes: 6, calls: 13, depth: 2 });
  });

  it('finds the longest chain of calls through children and sibling dependencies', () => {
    // root's children inserted after 2 calls; a inserts its own after 3 more (5); a1 is done at 7,
    // a2 (after a1) at 9, so a at 9; b (after a) is done at 11. c, done at 4, is not on the path.
    expect(treeBounds(tree).criticalPath).toBe(11);
  });

  it('is L · max(D, ⌈N/C⌉)', () => {
    const bounds = treeBounds(tree);
    expect(makespanLowerBound(bounds, 20, 1)).toBe(20 * 13);
    expect(makespanLowerBound(bounds, 20, 2)).toBe(20 * 11);
    expect(makespanLowerBound(bounds, 10, 32)).toBe(10 * 11);
  });
});

describe('synthetic trees', () => {
  it('have exactly the nodes asked for, no deeper than allowed, the same for the same seed', () => {
    for (const nodes of [1, 2, 37, 400]) {
      const tree = syntheticTree({ nodes, seed: 7, maxDepth: 4 });
      expect(tree.nodes).toHaveLength(nodes);
      expect(Math.max(...tree.nodes.map((each) => each.depth))).toBeLessThanOrEqual(4);
      const again = syntheticTree({ nodes, seed: 7, maxDepth: 4 });
      expect(again.nodes.map((each) => [each.title, each.dependsOn, each.description])).toEqual(
        tree.nodes.map((each) => [each.title, each.dependsOn, each.description]),
      );
    }
    expect(syntheticTree({ nodes: 50, seed: 8 }).nodes.map((each) => each.title)).not.toEqual(
      syntheticTree({ nodes: 50, seed: 7 }).nodes.map((each) => each.title),
    );
  });

  it('make siblings depend only on earlier siblings, so dependency chains form but never cycles', () => {
    const tree = syntheticTree({ nodes: 1000, seed: 1 });
    let dependencies = 0;
    for (const parent of tree.nodes)
      parent.children.forEach((child, index) => {
        const earlier = parent.children.slice(0, index).map((sibling) => sibling.key);
        for (const key of child.dependsOn) expect(earlier).toContain(key);
        dependencies += child.dependsOn.length;
      });
    expect(dependencies).toBeGreaterThan(100);
  });

  it('are driven to completion by the engine with exactly the calls the bound counts', async () => {
    const tree = syntheticTree({ nodes: 40, seed: 3 });
    const measured = await driveSyntheticRun({ tree, latencyMs: 0, concurrency: 4, store: 'embedded' });
    expect(measured.outcome.status).toBe('completed');
    expect(measured.outcome.run.nodeCount).toBe(40);
    expect(measured.calls).toBe(treeBounds(tree).calls);
    expect(measured.peakInFlight).toBeLessThanOrEqual(4);
  });
});

describe('bench verdicts', () => {
  it('pass at the limit and miss beyond it, either way round', () => {
    expect(verdict({ target: 't', value: 1.25, limit: 1.25, kind: 'at-most' }).pass).toBe(true);
    expect(verdict({ target: 't', value: 1.2501, limit: 1.25, kind: 'at-most' }).pass).toBe(false);
    expect(verdict({ target: 't', value: 300, limit: 300, kind: 'at-least' }).pass).toBe(true);
    expect(verdict({ target: 't', value: 299, limit: 300, kind: 'at-least' }).pass).toBe(false);
    expect(verdict({ target: 't', value: 1.246, limit: 1.25, kind: 'at-most', digits: 3 }).figure).toBe(
      '1.246 (target ≤ 1.25)',
    );
  });
});

describe("the service benchmark's critical chain", () => {
  // In seconds, as the stats records are: a call's latency is 100 s.
  const latencyMs = 100_000;
  const run = { ...sampleRun({ createdAt: at(-5) }).run, endedAt: at(660) };
  // root plans and sequences; a runs and is checked; b, after a, too (the last call of the run).
  const root = statsNode('0');
  const nodes = [root, statsNode('a', { parent: root }), statsNode('b', { parent: root, dependsOn: ['a'] })];
  const calls = [
    statsCall('0', 'planner', 0, 100),
    statsCall('0', 'sequencer', 105, 205),
    statsCall('a', 'executor', 210, 310),
    statsCall('a', 'checker', 320, 420),
    statsCall('b', 'executor', 450, 550),
    statsCall('b', 'checker', 555, 655),
  ];

  it('follows each call back to what it waited for and names every gap, summing to the span', () => {
    const chain = criticalChain({ run, nodes, calls, latencyMs });
    expect(chain.calls).toBe(6);
    expect(chain.spanMs).toBe(665_000);
    const parts = Object.fromEntries(chain.parts.map((part) => [part.kind, [part.totalMs, part.hops]]));
    expect(parts).toEqual({
      'model latency (100000 ms a call)': [600_000, 6],
      'planner call beyond its latency': [0, 1],
      'sequencer call beyond its latency': [0, 1],
      'executor call beyond its latency': [0, 2],
      'checker call beyond its latency': [0, 2],
      'executor → checker on a node': [15_000, 2],
      'planner → sequencer on a node': [5_000, 1],
      "dependency's last call → dependent's first call": [30_000, 1],
      "parent's sequencer → child's first call": [5_000, 1],
      'run created → first call': [5_000, 1],
      'last call → run ended': [5_000, 1],
    });
    expect(chain.parts.reduce((sum, part) => sum + part.totalMs, 0)).toBe(chain.spanMs);
  });

  it('counts the time a call took beyond the model latency, and averages runs per hop', () => {
    const late = calls.map((each, index) => (index === 5 ? { ...each, endedAt: at(667) } : each));
    const chain = criticalChain({ run: { ...run, endedAt: at(670) }, nodes, calls: late, latencyMs });
    expect(chain.parts.find((part) => part.kind === 'checker call beyond its latency')?.totalMs).toBe(12_000);
    const mean = meanChain([chain, criticalChain({ run, nodes, calls, latencyMs })]);
    expect(mean.find((part) => part.kind === 'checker call beyond its latency')).toEqual({
      kind: 'checker call beyond its latency',
      msPerRun: 6_000,
      msPerHop: 3_000,
      hopsPerRun: 2,
    });
  });
});
