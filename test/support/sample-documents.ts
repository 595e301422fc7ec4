import { randomUUID } from 'node:crypto';
import {
  childId,
  defaultLimits,
  emptyUsage,
  newNode,
  rootNodeId,
  transition,
  type Decision,
  type NewNodeOptions,
  type NodeEvent,
  type NodeTransitionEvent,
  type Run,
  type TaskNode,
  type TransitionOutcome,
} from '../../src/domain/index.js';

/** A fixed clock for documents built in tests: `at(5)` is five seconds past a fixed instant. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 12, 0, seconds)).toISOString();
}

/** A new run and its root node; the id is unique so suites may share a database. */
export function sampleRun(options: { id?: string; createdAt?: string; prompt?: string } = {}): {
  run: Run;
  root: TaskNode;
} {
  const id = options.id ?? `run-${randomUUID().slice(0, 8)}`;
  const createdAt = options.createdAt ?? at(0);
  const prompt = options.prompt ?? 'Build a small web shop';
  const run: Run = {
    schemaVersion: 1,
    id,
    prompt,
    notes: [],
    rootId: rootNodeId,
    llm: 'script:test/fixtures/script.yaml',
    agentsDir: null,
    promptsDir: null,
    limits: { ...defaultLimits },
    status: 'running',
    stopReason: null,
    usage: { ...emptyUsage },
    nodeCount: 1,
    createdAt,
    updatedAt: createdAt,
    endedAt: null,
  };
  const root = newNode({
    runId: id,
    id: rootNodeId,
    parent: null,
    order: 0,
    key: 'root',
    title: prompt,
    description: prompt,
    status: 'decomposed',
    at: createdAt,
  });
  return { run, root };
}

/** The child of `parent` at `order` (0-based), pending unless told otherwise. */
export function sampleChild(
  parent: TaskNode,
  order: number,
  options: Partial<Pick<NewNodeOptions, 'status' | 'title' | 'requiresApproval' | 'at'>> = {},
): TaskNode {
  const id = childId(parent.id, order);
  return newNode({
    runId: parent.runId,
    id,
    parent,
    order,
    key: `task-${id}`,
    title: options.title ?? `Task ${id}`,
    description: `Do task ${id}`,
    status: options.status ?? 'pending',
    requiresApproval: options.requiresApproval ?? false,
    at: options.at ?? at(1),
  });
}

/** The event a planner would record when it creates `node`. */
export function createdEvent(node: TaskNode): NodeEvent {
  return {
    schemaVersion: 1,
    runId: node.runId,
    nodeId: node.id,
    type: 'create',
    from: null,
    to: node.status,
    actor: 'planner',
    reason: null,
    at: node.createdAt,
  };
}

/** Applies a transition that the test expects to be legal. */
export function move(node: TaskNode, event: NodeTransitionEvent, seconds = 2): TransitionOutcome {
  const outcome = transition(node, event, { at: at(seconds), actor: 'test' });
  if (!outcome.success) throw new Error(outcome.error);
  return outcome.value;
}

/** The fields of a `Store.updateNode` that stores one transition: its patch and its event. */
export function transitionWrite(outcome: TransitionOutcome): {
  patch: TransitionOutcome['patch'];
  events: [TransitionOutcome['event']];
} {
  return { patch: outcome.patch, events: [outcome.event] };
}

/** A person's decision on approval round `round`. */
export function decisionOf(action: Decision['action'], round = 1, by = 'ana'): Decision {
  return { action, comment: null, description: null, by, at: at(30), round };
}
