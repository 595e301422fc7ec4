import {
  conditionSteps,
  evaluateCondition,
  sequenceByDependencies,
  type NodeError,
  type PlannerAnswer,
  type PlanStep,
  type Run,
  type SequencerAnswer,
  type TaskNode,
} from '../domain/index.js';
import { renderStepPrompt, type StepValues } from '../plans/index.js';
import type { TreeState } from './tree-state.js';

/** Why decomposing a written step with `plan: manual` is refused. */
export const manualStepRefusal =
  'decomposition refused: this step of the written plan says "plan: manual", so it must be completed directly (write "plan: auto" to let it be decomposed)';

/** Why a written step waits for a person when it gives no `approvalReason`. */
export const writtenApprovalReason = 'the written plan asks for approval';

/** The stored "execution" of a written step with nested steps: the plan decomposes it, no executor. */
export const writtenExecution = {
  action: 'decompose' as const,
  reason: 'the written plan gives its steps',
  result: null,
};

/**
 * A level of a written plan as a planner answer and its sequence (issue 16): the same children a
 * planner would have proposed, with no model call. A fallback waits on its step, and the steps that
 * depend on a step with a fallback wait on the fallback too, so they can take its result.
 */
export function writtenPlan(steps: readonly PlanStep[]): { plan: PlannerAnswer; sequence: SequencerAnswer } {
  const fallbackOf = new Map(
    steps.flatMap((step) => (step.fallback ? [[step.fallback, step.key] as const] : [])),
  );
  const fallbackByPrimary = new Map(
    steps.flatMap((step) => (step.fallback ? [[step.key, step.fallback] as const] : [])),
  );
  const tasks = steps.map((step) => {
    const primary = fallbackOf.get(step.key);
    const fallbacks = step.dependsOn.flatMap((key) => {
      const fallback = fallbackByPrimary.get(key);
      return fallback && fallback !== step.key ? [fallback] : [];
    });
    return {
      key: step.key,
      title: step.title,
      description: step.prompt ?? step.title,
      dependsOn: [...new Set([...step.dependsOn, ...(primary ? [primary] : []), ...fallbacks])],
      notes: step.notes,
      requiresApproval: step.requiresApproval,
      approvalReason: step.requiresApproval ? (step.approvalReason ?? writtenApprovalReason) : null,
    };
  });
  const sequence = sequenceByDependencies(tasks, 'Groups are the topological levels of the written plan.');
  // A checked plan has no cycle; one that got here anyway is a bug, not a user error.
  if (!sequence.success) throw new Error(`written plan: ${sequence.error}`);
  return { plan: { tasks }, sequence: sequence.value };
}

/** What a dependency offers the step prompts and conditions that name it. */
function valuesOf(node: TaskNode, tree: TreeState): StepValues & { node: TaskNode } {
  // A step that failed and whose fallback completed hands on the fallback's result (issue 16).
  const fallback = node.status === 'failed' && node.fallbackId ? tree.get(node.fallbackId) : undefined;
  const source = fallback?.status === 'completed' ? fallback : node;
  // Only a completed step has a result: one that failed may still hold an answer its checker or a
  // person turned down, or, when `resume --from-node` did it again, the answer of its earlier pass.
  const result = source.status === 'completed' ? source.result : null;
  return {
    node,
    result: result?.output || result?.summary || '',
    summary: result?.summary ?? source.error?.message ?? '',
    status: node.status,
  };
}

/**
 * The steps a written step may name, by key: its dependencies (and, for a fallback, its step),
 * then those of the steps it is inside, nearest first.
 */
export function stepScope(node: TaskNode, tree: TreeState): Map<string, StepValues & { node: TaskNode }> {
  const scope = new Map<string, StepValues & { node: TaskNode }>();
  for (
    let current: TaskNode | undefined = node;
    current;
    current = current.parentId ? tree.get(current.parentId) : undefined
  ) {
    const named = [...tree.dependenciesOf(current)];
    if (current.fallbackFor) named.push(tree.require(current.fallbackFor));
    for (const dependency of named)
      if (!scope.has(dependency.key)) scope.set(dependency.key, valuesOf(dependency, tree));
  }
  return scope;
}

/** A written step's prompt, rendered as it starts: params and its dependencies' results are data. */
export function renderedPrompt(node: TaskNode, tree: TreeState, run: Run): string {
  const step = node.step!;
  const steps = Object.fromEntries(
    [...stepScope(node, tree)].map(([key, values]) => [
      key,
      { result: values.result, summary: values.summary, status: values.status },
    ]),
  );
  return renderStepPrompt(step.prompt ?? step.title, { params: run.plan?.params ?? {}, steps });
}

/**
 * Why a written step is skipped instead of started, or null when it runs: a fallback whose step did
 * not fail is not needed, and a `when` that does not hold skips the step with the reason.
 */
export function writtenSkip(node: TaskNode, tree: TreeState, run: Run): NodeError | null {
  if (node.fallbackFor) {
    const primary = tree.require(node.fallbackFor);
    if (primary.status !== 'failed')
      return { kind: 'condition', message: `fallback not needed: "${primary.key}" ${primary.status}` };
  }
  const condition = node.step?.when;
  if (!condition) return null;
  const scope = stepScope(node, tree);
  const outcome = evaluateCondition(condition, {
    step: (key) => {
      const found = scope.get(key);
      return found && { status: found.status, result: found.result };
    },
    params: run.plan?.params ?? {},
  });
  return outcome.holds
    ? null
    : { kind: 'condition', message: `its condition does not hold: ${outcome.because}` };
}

/**
 * True when a dependency that failed does not hold a node back: the node is its fallback, waits on
 * that fallback too, or has a `when` that looks at the dependency (it decides for itself, e.g. a
 * step that runs only when another failed).
 */
export function coveredFailure(node: TaskNode, dependency: TaskNode): boolean {
  if (dependency.status !== 'failed') return false;
  if (node.fallbackFor === dependency.id) return true;
  if (dependency.fallbackId !== undefined && node.dependsOn.includes(dependency.fallbackId)) return true;
  return node.step?.when !== undefined && conditionSteps(node.step.when).has(dependency.key);
}
