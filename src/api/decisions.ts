import {
  decisionActionSchema,
  decisionsFor,
  StateConflictError,
  UsageError,
  type Approval,
  type Decision,
  type DecisionAction,
  type TaskNode,
} from '../domain/index.js';
import type { Store } from '../store/index.js';
import { personName } from './person-name.js';
import { getRun, unknownNode } from './queries.js';

/** A person's answer to a node that waits, as callers give it (the CLI, the service, code). */
export interface DecisionInput {
  action: DecisionAction;
  /** Why, or guidance for a retry. */
  comment?: string | null;
  /** `edit`: the new description the executor gets. */
  description?: string | null;
  /** Who decides; default: the user name of this process. */
  by?: string;
  /** The approval round the decision answers (a prompt opened earlier); default: the current one. */
  round?: number;
}

/** A node that waits for a person, with what a prompt needs to ask for the decision. */
export interface PendingApproval {
  runId: string;
  nodeId: string;
  title: string;
  description: string;
  kind: Approval['kind'];
  reason: string;
  round: number;
  requestedAt: string;
  /** The decisions that answer it. */
  actions: readonly DecisionAction[];
}

/** The nodes among `nodes` that wait for a decision nobody has made yet. */
export function pendingApprovals(nodes: Iterable<TaskNode>): PendingApproval[] {
  const pending: PendingApproval[] = [];
  for (const node of nodes) {
    const approval = node.approval;
    if (node.status !== 'awaiting_approval' || !approval || approval.decision !== null) continue;
    pending.push({
      runId: node.runId,
      nodeId: node.id,
      title: node.title,
      description: node.description,
      kind: approval.kind,
      reason: approval.reason,
      round: approval.round,
      requestedAt: approval.requestedAt,
      actions: decisionsFor[approval.kind],
    });
  }
  return pending;
}

/**
 * Checks a decision against the node it answers and completes it (trimmed texts, the round), or
 * throws a {@link UsageError} that says what to do instead.
 */
export function checkDecision(node: TaskNode, input: DecisionInput): Omit<Decision, 'at'> {
  const { runId, id: nodeId } = node;
  // A cancel moves a waiting node to cancelled; a resume asks again, and then it takes the decision.
  const cancelledWhileWaiting = node.status === 'cancelled' && node.approval !== null && node.approval.decision === null;
  if (node.status !== 'awaiting_approval' || !node.approval)
    throw new StateConflictError(`node ${nodeId} "${node.title}" is ${node.status}, not waiting for a decision`, {
      runId,
      nodeId,
      hint: cancelledWhileWaiting
        ? `the run was cancelled while it waited: resume the run (arbor resume ${runId}), and decide when it asks again (arbor approve ${runId} ${nodeId})`
        : `see which nodes wait with: arbor approve ${runId}`,
      httpHint: cancelledWhileWaiting
        ? `the run was cancelled while it waited: POST /v1/runs/${runId}/resume, and decide when it asks again`
        : `see which nodes wait: GET /v1/runs/${runId}/approvals`,
    });
  if (node.approval.decision)
    throw new StateConflictError(
      `node ${nodeId} was already decided (${node.approval.decision.action} by ${node.approval.decision.by})`,
      {
        runId,
        nodeId,
        hint: `nothing to do; continue the run with: arbor resume ${runId}`,
        httpHint: `nothing to do; continue the run with: POST /v1/runs/${runId}/resume`,
      },
    );
  const action = decisionActionSchema.safeParse(input.action);
  if (!action.success)
    throw new UsageError(`unknown decision "${String(input.action)}"`, {
      runId,
      nodeId,
      hint: `use one of ${decisionActionSchema.options.join(', ')}`,
    });
  const kind = node.approval.kind;
  const allowed: readonly DecisionAction[] = decisionsFor[kind];
  if (!allowed.includes(action.data))
    throw new UsageError(
      `"${action.data}" does not answer ${kind === 'gate' ? 'an approval gate' : 'an escalated node'}`,
      {
        runId,
        nodeId,
        hint: `use --action ${allowed.join(' | ')}`,
        httpHint: `send "action": ${allowed.map((name) => `"${name}"`).join(' | ')}`,
      },
    );
  if (input.round !== undefined && input.round !== node.approval.round)
    throw new StateConflictError(
      `node ${nodeId} was asked again since (round ${node.approval.round}, the decision answers round ${input.round})`,
      {
        runId,
        nodeId,
        hint: `decide the current request: arbor approve ${runId} ${nodeId}`,
        httpHint: `decide the current request (GET /v1/runs/${runId}/nodes/${nodeId} shows its round)`,
      },
    );
  const description = input.description?.trim() || null;
  const comment = input.comment?.trim() || null;
  if ((action.data === 'reject' || action.data === 'fail') && comment === null)
    throw new UsageError(`a ${action.data === 'reject' ? 'rejection' : 'failure'} needs a comment saying why`, {
      runId,
      nodeId,
      hint: `pass --comment "…": arbor approve ${runId} ${nodeId} --${action.data === 'reject' ? 'reject' : 'action fail'} --comment "why"`,
      httpHint: 'send "comment": "why"',
    });
  if (action.data === 'edit' && description === null)
    throw new UsageError('edit needs the new description', {
      runId,
      nodeId,
      hint: 'pass --description "…"',
      httpHint: 'send "description": "…"',
    });
  // Dropping it would run the node with the old description while the caller meant a new one.
  if (action.data !== 'edit' && description !== null)
    throw new UsageError(`a new description goes with an edit, not with "${action.data}"`, {
      runId,
      nodeId,
      hint: `to change the description and approve: arbor approve ${runId} ${nodeId} --description "…" (an edit); otherwise leave out --description`,
      httpHint: 'send "action": "edit" with the description, or leave "description" out',
    });
  return {
    action: action.data,
    comment,
    description: action.data === 'edit' ? description : null,
    by: input.by?.trim() || personName(),
    round: node.approval.round,
  };
}

/**
 * Records a decision in the store, from any process: the process driving the run applies it within
 * a poll, or the next `resume` does. Returns the decision as stored.
 */
export async function recordDecision(
  store: Store,
  runId: string,
  nodeId: string,
  input: DecisionInput,
): Promise<Decision> {
  await getRun(store, runId);
  const node = await store.getNode(runId, nodeId);
  if (!node) throw unknownNode(runId, nodeId);
  const decision: Decision = { ...checkDecision(node, input), at: new Date().toISOString() };
  const result = await store.recordDecision(runId, nodeId, decision);
  if (!result.success)
    throw new StateConflictError(`decision not recorded: ${result.error}`, {
      runId,
      nodeId,
      hint: `see what still waits with: arbor approve ${runId}`,
      httpHint: `see what still waits: GET /v1/runs/${runId}/approvals`,
    });
  return decision;
}
