import { isDeepStrictEqual } from 'node:util';
import type { AgentRole, TaskNode } from '../../src/domain/index.js';
import type { CallLogEntry } from '../../src/llm/scripted/index.js';

/**
 * The checks the torture makes after every kill and at the end of a run. Each returns the
 * violations it found as sentences (empty: the property holds).
 */

/** The answer each role stores on a node before the next step (DESIGN §8: write before act). */
const storedAnswerOf: Record<Exclude<AgentRole, 'checker'>, (node: TaskNode) => unknown> = {
  executor: (node) => node.pipeline.execution,
  planner: (node) => node.pipeline.plan,
  sequencer: (node) => node.pipeline.sequence,
};

/**
 * No completed work is redone: after a kill, a node completed at the kill gets no model call at all,
 * a decomposed node is not executed, planned or sequenced again, and a role whose answer was stored
 * is not asked again before a check sends the node back (a retry starts a fresh pipeline).
 */
export function checkNoWorkRedone(
  atKill: readonly TaskNode[],
  callsAfter: readonly CallLogEntry[],
): string[] {
  const violations: string[] = [];
  const nodes = new Map(atKill.map((node) => [node.id, node]));
  const checkedSinceKill = new Set<string>();
  for (const call of callsAfter) {
    const node = nodes.get(call.nodeId);
    if (node === undefined) continue;
    const what = `${call.role} call (attempt ${call.attempt}) on node ${node.id} "${node.title}"`;
    if (node.status === 'completed') {
      violations.push(`${what} after the kill, though it was completed before`);
      continue;
    }
    if (call.role === 'checker') {
      checkedSinceKill.add(node.id);
      continue;
    }
    if (node.status === 'decomposed')
      violations.push(`${what} after the kill, though it was decomposed before`);
    else if (!checkedSinceKill.has(node.id) && storedAnswerOf[call.role](node) !== null)
      violations.push(`${what} after the kill, though its ${call.role} answer was stored before`);
  }
  return violations;
}

/**
 * Nothing stored is lost or undone between two kills: every node stored at the earlier kill is still
 * stored, and a node completed then is unchanged (same version, result and checks).
 */
export function checkNothingLost(earlier: readonly TaskNode[], later: readonly TaskNode[]): string[] {
  const violations: string[] = [];
  const now = new Map(later.map((node) => [node.id, node]));
  for (const node of earlier) {
    const current = now.get(node.id);
    if (current === undefined) violations.push(`node ${node.id} "${node.title}" was stored, then lost`);
    else if (
      node.status === 'completed' &&
      (current.version !== node.version || !isDeepStrictEqual(current.result, node.result))
    )
      violations.push(
        `node ${node.id} "${node.title}" was completed (version ${node.version}), then changed (now ${current.status}, version ${current.version})`,
      );
  }
  return violations;
}

/**
 * Calls made again because a kill lost them: calls after the kill with the same node, role and
 * attempt as one started before it (its answer was never stored).
 */
export function countRemadeCalls(before: readonly CallLogEntry[], after: readonly CallLogEntry[]): number {
  const started = new Set(before.map(callKey));
  return after.filter((call) => started.has(callKey(call))).length;
}

function callKey(call: CallLogEntry): string {
  return `${call.nodeId} ${call.role} ${call.attempt}`;
}

/** What must be identical between a crashed run and the uncrashed reference: the tree and its answers. */
export function comparableNode(node: TaskNode) {
  return {
    id: node.id,
    parentId: node.parentId,
    order: node.order,
    depth: node.depth,
    key: node.key,
    title: node.title,
    dependsOn: node.dependsOn,
    group: node.group,
    integration: node.integration,
    status: node.status,
    attempts: node.attempts,
    result: node.result,
    checks: node.checks.map((check) => ({
      verdict: check.verdict,
      feedback: check.feedback,
      attempt: check.attempt,
    })),
    calls: node.calls,
    error: node.error,
  };
}

/**
 * The crashed run ended exactly like the reference: the same node ids, each with the same place,
 * title, status, attempts, result, checks and answered calls; every node completed.
 */
export function compareWithReference(reference: readonly TaskNode[], actual: readonly TaskNode[]): string[] {
  const violations: string[] = [];
  const byId = new Map(actual.map((node) => [node.id, node]));
  for (const expected of reference) {
    const node = byId.get(expected.id);
    byId.delete(expected.id);
    if (node === undefined) {
      violations.push(`node ${expected.id} "${expected.title}" of the uncrashed run is missing`);
      continue;
    }
    if (node.status !== 'completed')
      violations.push(`node ${node.id} "${node.title}" ended ${node.status}, not completed`);
    const want = comparableNode(expected);
    const got = comparableNode(node);
    const differing = (Object.keys(want) as (keyof typeof want)[]).filter(
      (field) => !isDeepStrictEqual(want[field], got[field]),
    );
    if (differing.length > 0)
      violations.push(
        `node ${node.id} "${node.title}" differs from the uncrashed run in ${differing
          .map(
            (field) => `${field} (${JSON.stringify(got[field])} instead of ${JSON.stringify(want[field])})`,
          )
          .join(', ')}`,
      );
  }
  for (const extra of byId.values())
    violations.push(`node ${extra.id} "${extra.title}" is not in the uncrashed run`);
  return violations;
}
