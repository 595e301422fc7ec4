import {
  decisionsFor,
  newNode,
  nodeStatusSchema,
  transition,
  type Approval,
  type NodeEvent,
  type NodeStatus,
  type NodeTransitionEvent,
  type TaskNode,
} from '../../src/domain/index.js';

/** `type from→to`, the key of one allowed move. */
type MoveKey = string;

const keyOf = (type: string, from: NodeStatus | null, to: NodeStatus): MoveKey =>
  `${type} ${from ?? '∅'}→${to}`;

/** The statuses a node is created in (`buildChildren`); the root is created `ready` without an event. */
const creationStatuses: readonly NodeStatus[] = ['ready', 'pending', 'awaiting_approval'];

/** One sample of every event `transition` knows, with every variant that changes where it leads. */
function sampleEvents(approvalKind: Approval['kind']): NodeTransitionEvent[] {
  const error = { kind: 'internal' as const, message: 'sample' };
  const decisions = decisionsFor[approvalKind].flatMap((action) =>
    [true, false].map((depsMet): NodeTransitionEvent => ({
      type: 'decide',
      depsMet,
      decision: { action, comment: null, description: null, by: 'torture', at: sampleAt, round: 1 },
    })),
  );
  return [
    { type: 'deps-met' },
    { type: 'request-approval', kind: approvalKind, reason: 'sample' },
    { type: 'start', lease: { owner: 'torture', token: 'sample', expiresAt: sampleAt } },
    { type: 'submit' },
    { type: 'decompose' },
    { type: 'pass' },
    { type: 'retry', feedback: 'sample' },
    ...decisions,
    { type: 'roll-up' },
    { type: 'pause', reason: 'sample' },
    { type: 'fail', error },
    { type: 'skip', error },
    { type: 'cancel', reason: 'sample' },
    { type: 'reopen', to: 'ready' },
    { type: 'reopen', to: 'pending' },
    { type: 'reopen', to: 'decomposed' },
    { type: 'reopen', to: 'awaiting_approval' },
  ];
}

const sampleAt = '2025-01-01T00:00:00.000Z';

/**
 * Every (event type, from, to) the domain's `transition` allows, found by replaying it: each sample
 * event is applied to a node in each status (with either kind of approval request open), and the
 * moves it accepts are kept. The checker thus follows `transition` as it is, not a copy of its table.
 */
export function allowedMoves(): ReadonlySet<MoveKey> {
  const allowed = new Set<MoveKey>(creationStatuses.map((status) => keyOf('create', null, status)));
  for (const status of nodeStatusSchema.options)
    for (const kind of ['gate', 'escalation'] as const) {
      const node: TaskNode = {
        ...newNode({
          runId: 'r-sample',
          id: '1',
          parent: null,
          order: 0,
          key: 'a',
          title: 'sample',
          description: '',
          status,
          at: sampleAt,
        }),
        approval: { kind, reason: 'sample', round: 1, requestedAt: sampleAt, decision: null },
      };
      for (const event of sampleEvents(kind)) {
        const moved = transition(node, event, { at: sampleAt, actor: 'torture' });
        if (moved.success)
          allowed.add(keyOf(moved.value.event.type, moved.value.event.from, moved.value.event.to));
      }
    }
  return allowed;
}

/** One stored event that breaks the lifecycle. */
export interface TransitionViolation {
  nodeId: string;
  message: string;
}

/**
 * Checks a run's stored events against `transition`: every event is a move it allows, and each
 * node's events chain (an event starts where the one before it ended, the last ends at the node's
 * stored status), so no transition was lost or stored twice.
 */
export function checkTransitions(
  events: readonly NodeEvent[],
  nodes: readonly Pick<TaskNode, 'id' | 'status' | 'parentId'>[],
  allowed: ReadonlySet<MoveKey> = allowedMoves(),
): TransitionViolation[] {
  const violations: TransitionViolation[] = [];
  const byNode = new Map<string, NodeEvent[]>();
  for (const event of events) {
    const key = keyOf(event.type, event.from, event.to);
    if (!allowed.has(key))
      violations.push({
        nodeId: event.nodeId,
        message: `illegal stored transition ${key} at ${event.at} (${event.reason ?? 'no reason'})`,
      });
    const list = byNode.get(event.nodeId) ?? [];
    list.push(event);
    byNode.set(event.nodeId, list);
  }
  for (const node of nodes) {
    const list = byNode.get(node.id) ?? [];
    byNode.delete(node.id);
    // The root is stored `ready` with the run, without a create event.
    let status: NodeStatus | null = node.parentId === null ? 'ready' : null;
    for (const event of list) {
      if (event.from !== status)
        violations.push({
          nodeId: node.id,
          message: `event ${keyOf(event.type, event.from, event.to)} at ${event.at} does not start where the node was (${status ?? 'not created'})`,
        });
      status = event.to;
    }
    if (status !== node.status)
      violations.push({
        nodeId: node.id,
        message: `stored status ${node.status} but its events end at ${status ?? 'nothing'}`,
      });
  }
  for (const nodeId of byNode.keys())
    violations.push({ nodeId, message: 'events of a node that is not stored' });
  return violations;
}
