import { z } from 'zod';
import type { ModelCall, TaskNode } from '../domain/index.js';
import { callDurationMs } from './call-totals.js';

/** One node on the critical path, with the time its own calls add to the path. */
export const criticalPathStepSchema = z.object({
  nodeId: z.string(),
  title: z.string(),
  depth: z.number().int().nonnegative(),
  callMs: z.number().nonnegative(),
});

/** One node on the critical path. */
export type CriticalPathStep = z.infer<typeof criticalPathStepSchema>;

/** The longest chain of calls that had to run one after the other, and how long it took. */
export interface CriticalPath {
  ms: number;
  /**
   * The chain's nodes in the order their work ran; a decomposed node is listed once, before its
   * children, with all of its own call time (before and after them). Nodes without calls are left out.
   */
  steps: CriticalPathStep[];
}

/** Options of {@link criticalPath}. */
export interface CriticalPathOptions {
  rootId: string;
  nodes: readonly TaskNode[];
  calls: readonly ModelCall[];
}

/**
 * The run's critical path over its own call times (DESIGN §7): a node's calls run in sequence; a
 * decomposed node's calls made before its children existed (executor, planner, sequencer) come
 * first, then its children, where a child waits for the siblings it depends on, then the node's
 * later calls. No schedule, however many slots, finishes the same calls sooner.
 */
export function criticalPath(options: CriticalPathOptions): CriticalPath {
  const children = new Map<string, TaskNode[]>();
  for (const node of options.nodes) {
    if (node.parentId === null) continue;
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  for (const siblings of children.values()) siblings.sort((a, b) => a.order - b.order);
  const callsOf = new Map<string, ModelCall[]>();
  for (const call of options.calls) {
    const calls = callsOf.get(call.nodeId) ?? [];
    calls.push(call);
    callsOf.set(call.nodeId, calls);
  }

  const pathOf = (node: TaskNode): CriticalPath => {
    const own = callsOf.get(node.id) ?? [];
    const kids = children.get(node.id) ?? [];
    const ownMs = own.reduce((sum, call) => sum + callDurationMs(call), 0);
    const self: CriticalPathStep = { nodeId: node.id, title: node.title, depth: node.depth, callMs: ownMs };
    if (kids.length === 0) return { ms: ownMs, steps: ownMs > 0 ? [self] : [] };
    const span = longestChain(kids, pathOf);
    const steps = [...(ownMs > 0 ? [self] : []), ...span.steps];
    return { ms: ownMs + span.ms, steps };
  };

  const root = options.nodes.find((node) => node.id === options.rootId);
  return root ? pathOf(root) : { ms: 0, steps: [] };
}

/** The longest chain through siblings: a sibling starts when the siblings it depends on have finished. */
function longestChain(siblings: readonly TaskNode[], pathOf: (node: TaskNode) => CriticalPath): CriticalPath {
  const byId = new Map(siblings.map((node) => [node.id, node]));
  const finish = new Map<string, CriticalPath>();
  const visiting = new Set<string>();
  const finishOf = (node: TaskNode): CriticalPath => {
    const known = finish.get(node.id);
    if (known) return known;
    // Dependencies are acyclic once validated; a cycle in a damaged store must not hang the report.
    if (visiting.has(node.id)) return { ms: 0, steps: [] };
    visiting.add(node.id);
    let before: CriticalPath = { ms: 0, steps: [] };
    for (const id of node.dependsOn) {
      const dependency = byId.get(id);
      if (!dependency) continue;
      const chain = finishOf(dependency);
      if (chain.ms > before.ms) before = chain;
    }
    const own = pathOf(node);
    const chain = { ms: before.ms + own.ms, steps: [...before.steps, ...own.steps] };
    visiting.delete(node.id);
    finish.set(node.id, chain);
    return chain;
  };
  let longest: CriticalPath = { ms: 0, steps: [] };
  for (const node of siblings) {
    const chain = finishOf(node);
    if (chain.ms > longest.ms) longest = chain;
  }
  return longest;
}
