import type { Approval, Decision } from './approval.js';
import { decisionsFor } from './approval.js';
import type { NodeEvent } from './node-event.js';
import type { NodeStatus } from './node-status.js';
import { err, ok, type Result } from './result.js';
import type { Lease, NodeError, NodePatch, TaskNode } from './task-node.js';

/** Everything that can happen to a node. Each is legal only from certain statuses. */
export type NodeTransitionEvent =
  | { type: 'deps-met' }
  /** `round`: the round to ask, one a redo opened and nobody asked yet (default: a new round). */
  | { type: 'request-approval'; kind: Approval['kind']; reason: string; round?: number }
  /**
   * A worker of a shared run claims the node with a lease; the process that drives a run alone
   * starts it without one (the run's own lock keeps other processes off its nodes).
   */
  | { type: 'start'; lease: Lease | null }
  /** With a lease when the worker that ran the executor keeps the node for its check (shared runs). */
  | { type: 'submit'; lease?: Lease | null }
  | { type: 'decompose' }
  | { type: 'pass' }
  | { type: 'retry'; feedback: string }
  | { type: 'decide'; decision: Decision; depsMet: boolean }
  | { type: 'roll-up' }
  | { type: 'pause'; reason: string }
  | { type: 'fail'; error: NodeError }
  | { type: 'skip'; error: NodeError }
  | { type: 'cancel'; reason: string }
  /**
   * `resume` gives a finished branch another go. A node whose approval request was never decided
   * (cancelled or skipped while it waited for a person) reopens to `awaiting_approval`, to be asked again.
   */
  | { type: 'reopen'; to: 'ready' | 'pending' | 'decomposed' | 'awaiting_approval' }
  /**
   * `resume --from-node` has a settled node done again, completed ones too: a leaf (or a parent
   * that starts again to redo its kept children) to `ready`/`pending`, a parent to `decomposed` to
   * roll up again. `reason` says who asked and from which node.
   */
  | { type: 'redo'; to: 'ready' | 'pending' | 'decomposed'; reason: string };

/** The statuses each event may start from. */
const allowedFrom: Record<NodeTransitionEvent['type'], readonly NodeStatus[]> = {
  'deps-met': ['pending'],
  'request-approval': ['pending', 'ready', 'checking'],
  start: ['ready'],
  submit: ['running'],
  decompose: ['running'],
  pass: ['checking'],
  retry: ['checking'],
  decide: ['awaiting_approval'],
  'roll-up': ['decomposed'],
  pause: ['running'],
  fail: ['pending', 'ready', 'running', 'checking', 'decomposed', 'awaiting_approval'],
  skip: ['pending', 'ready', 'awaiting_approval'],
  cancel: ['pending', 'ready', 'running', 'checking', 'decomposed', 'awaiting_approval'],
  reopen: ['failed', 'skipped', 'cancelled'],
  redo: ['completed', 'failed', 'skipped', 'cancelled'],
};

/** A node after a legal transition, and the event that records it. */
export interface TransitionOutcome {
  node: TaskNode;
  /** The fields that changed, to persist with a conditional update. */
  patch: NodePatch;
  event: NodeEvent;
}

/** Options of {@link transition}. */
export interface TransitionOptions {
  at: string;
  actor: string;
}

/**
 * The one owner of the node lifecycle (DESIGN §3): returns the node after `event`, or an error naming
 * the illegal move. Pure: it reads the clock and actor from `options`.
 */
export function transition(
  node: TaskNode,
  event: NodeTransitionEvent,
  options: TransitionOptions,
): Result<TransitionOutcome> {
  if (!allowedFrom[event.type].includes(node.status))
    return err(`cannot ${event.type} node ${node.id} ("${node.title}") while it is ${node.status}`);

  const moved = move(node, event, options.at);
  if (!moved.success) return moved;
  const { to, reason } = moved.value;
  const patch: NodePatch = {
    ...moved.value.patch,
    status: to,
    version: node.version + 1,
    updatedAt: options.at,
  };
  // A lease holds a node while it runs, or while the worker that submitted it checks it.
  if (to !== 'running' && patch.lease === undefined) patch.lease = null;
  if (isEnd(to)) patch.endedAt = options.at;
  return ok({
    node: { ...node, ...patch },
    patch,
    event: {
      schemaVersion: 1,
      runId: node.runId,
      nodeId: node.id,
      type: event.type,
      from: node.status,
      to,
      actor: options.actor,
      reason,
      at: options.at,
    },
  });
}

interface Move {
  to: NodeStatus;
  reason: string | null;
  patch: NodePatch;
}

function move(node: TaskNode, event: NodeTransitionEvent, at: string): Result<Move> {
  switch (event.type) {
    case 'deps-met':
      return ok({ to: 'ready', reason: 'dependencies settled', patch: {} });
    case 'request-approval': {
      const round = event.round ?? (node.approval?.round ?? 0) + 1;
      const approval: Approval = {
        kind: event.kind,
        reason: event.reason,
        round,
        requestedAt: at,
        decision: null,
      };
      return ok({ to: 'awaiting_approval', reason: event.reason, patch: { approval } });
    }
    case 'start':
      return ok({
        to: 'running',
        reason: null,
        patch: { lease: event.lease, attempts: Math.max(node.attempts, 1), startedAt: node.startedAt ?? at },
      });
    case 'submit':
      return ok({ to: 'checking', reason: null, patch: { lease: event.lease ?? null } });
    case 'decompose':
      return ok({ to: 'decomposed', reason: node.pipeline.execution?.reason ?? null, patch: {} });
    case 'pass':
      return ok({ to: 'completed', reason: null, patch: {} });
    case 'retry':
      return ok({ to: 'ready', reason: event.feedback, patch: { attempts: node.attempts + 1 } });
    case 'decide':
      return decide(node, event.decision, event.depsMet);
    case 'roll-up':
      return ok({ to: 'completed', reason: 'all children settled', patch: {} });
    case 'pause':
      return ok({ to: 'ready', reason: event.reason, patch: {} });
    case 'fail':
      return ok({ to: 'failed', reason: event.error.message, patch: { error: event.error } });
    case 'skip':
      return ok({ to: 'skipped', reason: event.error.message, patch: { error: event.error } });
    case 'cancel':
      return ok({ to: 'cancelled', reason: event.reason, patch: {} });
    case 'reopen':
      if (event.to === 'awaiting_approval') {
        if (node.approval === null || node.approval.decision !== null)
          return err(`node ${node.id} has no undecided approval request to wait for again`);
        // Back where it waited, as it was: the same round, so a decision recorded for it still applies.
        return ok({
          to: event.to,
          reason: 'reopened by resume: waits for a decision again',
          patch: { error: null, endedAt: null },
        });
      }
      return ok({
        to: event.to,
        reason: 'reopened by resume',
        // A parent reopened to wait on its children is not run again: it keeps its attempts.
        patch: { error: null, endedAt: null, attempts: event.to === 'decomposed' ? node.attempts : 0 },
      });
    case 'redo':
      return ok({
        to: event.to,
        reason: event.reason,
        // A node done again has no result until it is done (its first pass's answers stay in its
        // events and calls). A parent that only rolls up again keeps its attempts and start; work
        // done again starts afresh.
        patch:
          event.to === 'decomposed'
            ? { error: null, endedAt: null, result: null }
            : { error: null, endedAt: null, result: null, startedAt: null, attempts: 0 },
      });
  }
}

function decide(node: TaskNode, decision: Decision, depsMet: boolean): Result<Move> {
  const approval = node.approval;
  if (approval === null) return err(`node ${node.id} has no approval request to decide`);
  if (decision.round !== approval.round)
    return err(
      `decision for round ${decision.round} is stale: node ${node.id} is at round ${approval.round}`,
    );
  const allowed: readonly string[] = decisionsFor[approval.kind];
  if (!allowed.includes(decision.action))
    return err(
      `"${decision.action}" does not answer ${describeKind(approval.kind)}; choose ${allowed.join(', ')}`,
    );

  const decided: NodePatch = { approval: { ...approval, decision } };
  const comment = decision.comment ? `: ${decision.comment}` : '';
  const waiting: NodeStatus = depsMet ? 'ready' : 'pending';
  switch (decision.action) {
    case 'approve':
      return ok({ to: waiting, reason: `approved by ${decision.by}${comment}`, patch: decided });
    case 'edit':
      return ok({
        to: waiting,
        reason: `approved with an edited description by ${decision.by}${comment}`,
        patch: { ...decided, description: decision.description ?? node.description },
      });
    case 'retry':
      return ok({
        to: 'ready',
        reason: `retry asked by ${decision.by}${comment}`,
        patch: { ...decided, attempts: 1 },
      });
    case 'reject':
    case 'skip': {
      const message = `${decision.action === 'reject' ? 'rejected' : 'skipped'} by ${decision.by}${comment}`;
      return ok({ to: 'skipped', reason: message, patch: { ...decided, error: { kind: 'human', message } } });
    }
    case 'fail': {
      const message = `failed by ${decision.by}${comment}`;
      return ok({ to: 'failed', reason: message, patch: { ...decided, error: { kind: 'human', message } } });
    }
  }
}

function describeKind(kind: Approval['kind']): string {
  return kind === 'gate' ? 'an approval gate' : 'an escalation';
}

function isEnd(status: NodeStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'skipped' || status === 'cancelled';
}
