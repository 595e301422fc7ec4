import type { SyntheticNode, SyntheticTree } from './synthetic-tree.js';

/** What a synthetic tree costs in model calls: the inputs of the makespan lower bound (DESIGN §7). */
export interface TreeBounds {
  nodes: number;
  /** N: every model call the run makes (no re-asks, no failed checks). */
  calls: number;
  /** D: the longest chain of calls that must happen one after another. */
  criticalPath: number;
  /** Deepest level reached. */
  depth: number;
}

/** Calls of each kind of node, in the order the engine makes them. */
const rootCalls = 2; // planner, sequencer (the root is always decomposed without an executor call)
const internalCalls = 3; // executor (decompose), planner, sequencer
const leafCalls = 2; // executor (complete), checker

/** The makespan lower bound `L · max(D, ⌈N/C⌉)` in ms. */
export function makespanLowerBound(bounds: TreeBounds, latencyMs: number, concurrency: number): number {
  return latencyMs * Math.max(bounds.criticalPath, Math.ceil(bounds.calls / concurrency));
}

/**
 * Counts N and D exactly. A node starts once its parent's children are inserted and its sibling
 * dependencies are done; a leaf is done two calls later; an internal node inserts its children three
 * calls after it starts (two for the root) and is done when its last child is.
 */
export function treeBounds(tree: SyntheticTree): TreeBounds {
  let calls = 0;
  let depth = 0;
  for (const node of tree.nodes) {
    depth = Math.max(depth, node.depth);
    calls += node.depth === 0 ? rootCalls : node.children.length > 0 ? internalCalls : leafCalls;
  }
  return { nodes: tree.nodes.length, calls, criticalPath: doneAt(tree.root, 0), depth };
}

/** When `node` is done, in calls since the run began, if it starts at `start`. */
function doneAt(node: SyntheticNode, start: number): number {
  if (node.children.length === 0) return start + leafCalls;
  const inserted = start + (node.depth === 0 ? rootCalls : internalCalls);
  const done = new Map<string, number>();
  // Siblings depend only on earlier siblings, so one pass in order settles them all.
  for (const child of node.children) {
    const ready = Math.max(inserted, ...child.dependsOn.map((key) => done.get(key)!));
    done.set(child.key, doneAt(child, ready));
  }
  return Math.max(...done.values());
}
