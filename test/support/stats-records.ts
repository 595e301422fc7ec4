import {
  newNode,
  type AgentRole,
  type ModelCall,
  type NodeEvent,
  type NodeStatus,
  type TaskNode,
} from '../../src/domain/index.js';
import { at } from './sample-documents.js';

export { at } from './sample-documents.js';

/** A node for stats tests: created at `createdAt` seconds, with checker verdicts in `checks`. */
export function statsNode(
  id: string,
  options: {
    parent?: TaskNode;
    title?: string;
    order?: number;
    dependsOn?: string[];
    status?: NodeStatus;
    createdAt?: number;
    checks?: Array<'pass' | 'fail'>;
  } = {},
): TaskNode {
  const node = newNode({
    runId: 'run-stats',
    id,
    parent: options.parent ?? null,
    order: options.order ?? 0,
    key: id,
    title: options.title ?? `Task ${id}`,
    description: '',
    dependsOn: options.dependsOn ?? [],
    status: options.status ?? 'completed',
    at: at(options.createdAt ?? 0),
  });
  node.checks = (options.checks ?? []).map((verdict, index) => ({
    verdict,
    feedback: '',
    attempt: index + 1,
    at: at(0),
  }));
  return node;
}

/** A stored call of `role` on `nodeId` from `from` to `to` seconds, 100 input and 10 output tokens at $0.001. */
export function statsCall(
  nodeId: string,
  role: AgentRole,
  from: number,
  to: number,
  extra: Partial<ModelCall> = {},
): ModelCall {
  return {
    schemaVersion: 1,
    runId: 'run-stats',
    nodeId,
    role,
    attempt: 1,
    system: '',
    messages: [{ role: 'user', content: 'do it' }],
    answer: '{}',
    finishReason: 'complete',
    usage: { calls: 1, inputTokens: 100, outputTokens: 10, cachedTokens: 0, costUsd: 0.001 },
    error: null,
    startedAt: at(from),
    endedAt: at(to),
    retries: 0,
    ...extra,
  };
}

/** A status change of `nodeId` at `seconds`. */
export function statsEvent(
  nodeId: string,
  from: NodeStatus | null,
  to: NodeStatus,
  seconds: number,
): NodeEvent {
  return {
    schemaVersion: 1,
    runId: 'run-stats',
    nodeId,
    type: 'test',
    from,
    to,
    actor: 'test',
    reason: null,
    at: at(seconds),
  };
}

/**
 * A small tree with known call times (seconds): the root plans (0–3); `Model` (3–6) then `API`,
 * which depends on it, decomposes (6–10) into `Handlers` (10–14) and `Tests` (10–11); `Docs`
 * runs alone (3–3+docsSeconds). With `Docs` at 9 s the critical path is root → Model → API →
 * Handlers, 14 s; past 11 s it is root → Docs.
 */
export function sampleTree(docsSeconds = 9): { nodes: TaskNode[]; calls: ModelCall[] } {
  const root = statsNode('0', { title: 'Build a shop', status: 'completed' });
  const model = statsNode('1', { parent: root, order: 0, title: 'Model', createdAt: 3, checks: ['pass'] });
  const api = statsNode('2', { parent: root, order: 1, title: 'API', dependsOn: ['1'], createdAt: 3 });
  const docs = statsNode('3', {
    parent: root,
    order: 2,
    title: 'Docs',
    createdAt: 3,
    checks: ['fail', 'pass'],
  });
  const handlers = statsNode('2.1', {
    parent: api,
    order: 0,
    title: 'Handlers',
    createdAt: 10,
    checks: ['pass'],
  });
  const tests = statsNode('2.2', { parent: api, order: 1, title: 'Tests', createdAt: 10 });
  const nodes = [root, model, api, docs, handlers, tests];
  const calls = [
    statsCall('0', 'planner', 0, 2),
    statsCall('0', 'sequencer', 2, 3),
    statsCall('1', 'executor', 3, 5),
    statsCall('1', 'checker', 5, 6),
    statsCall('2', 'executor', 6, 7),
    statsCall('2', 'planner', 7, 9),
    statsCall('2', 'sequencer', 9, 10),
    statsCall('2.1', 'executor', 10, 14),
    statsCall('2.2', 'executor', 10, 11),
    statsCall('3', 'executor', 3, 3 + docsSeconds),
  ];
  return { nodes, calls };
}
