import type { ApprovalPolicy } from '../agents/index.js';
import { mergedDependencies } from '../agents/index.js';
import {
  childId,
  newNode,
  type NodeEvent,
  type PlannerAnswer,
  type PlanStep,
  type SequencerAnswer,
  type TaskNode,
} from '../domain/index.js';

/** New child documents of a decomposed node, and the events that record their creation. */
export interface NewChildren {
  nodes: TaskNode[];
  events: NodeEvent[];
}

/**
 * Turns a plan and its sequence into child nodes with deterministic ids (so a resumed insert is
 * idempotent). A child flagged by the planner or an approval policy starts `awaiting_approval`;
 * otherwise `ready` when it depends on nothing, else `pending`.
 */
export function buildChildren(options: {
  parent: TaskNode;
  plan: PlannerAnswer;
  sequence: SequencerAnswer;
  policies: readonly ApprovalPolicy[];
  at: string;
  actor: string;
  /** The written steps the plan came from (issue 16): each child keeps its own, with its fallback links. */
  steps?: readonly PlanStep[];
}): NewChildren {
  const { parent, plan, sequence, at } = options;
  const idOf = new Map(plan.tasks.map((task, order) => [task.key, childId(parent.id, order)]));
  const dependencies = new Map(mergedDependencies(plan.tasks, sequence).map((task) => [task.key, task.dependsOn]));
  const groupOf = new Map(sequence.groups.flatMap((group, index) => group.map((key) => [key, index] as const)));
  const integration = new Set(sequence.integration);

  const nodes = plan.tasks.map((task, order) => {
    const dependsOn = (dependencies.get(task.key) ?? []).map((key) => idOf.get(key)!);
    const policy = options.policies.find((rule) => new RegExp(rule.title, rule.flags).test(task.title));
    const approvalReason = task.requiresApproval ? (task.approvalReason ?? 'flagged by the planner') : policy?.reason;
    // A written step with a condition asks its person only once its dependencies settled and the
    // condition holds (see `NodePipeline.work`): nobody approves a step that will be skipped.
    const step = options.steps?.find((written) => written.key === task.key);
    const deferred = step?.when !== undefined && step.requiresApproval;
    const gated = approvalReason !== undefined && !deferred;
    const node = newNode({
      runId: parent.runId,
      id: idOf.get(task.key)!,
      parent,
      order,
      key: task.key,
      title: task.title,
      description: task.description,
      notes: task.notes,
      dependsOn,
      group: groupOf.get(task.key) ?? null,
      integration: integration.has(task.key),
      requiresApproval: approvalReason !== undefined,
      status: gated ? 'awaiting_approval' : dependsOn.length === 0 ? 'ready' : 'pending',
      at,
    });
    if (step) {
      node.step = step;
      if (step.fallback !== undefined) node.fallbackId = idOf.get(step.fallback);
      const primary = options.steps?.find((written) => written.fallback === task.key);
      if (primary) node.fallbackFor = idOf.get(primary.key);
    }
    if (gated)
      node.approval = { kind: 'gate', reason: approvalReason, round: 1, requestedAt: at, decision: null };
    return node;
  });

  const events: NodeEvent[] = nodes.map((node) => ({
    schemaVersion: 1,
    runId: node.runId,
    nodeId: node.id,
    type: 'create',
    from: null,
    to: node.status,
    actor: options.actor,
    reason: node.approval?.reason ?? null,
    at,
  }));
  return { nodes, events };
}
