import { agentRoles, type ModelCall, type NodeEvent, type Run, type TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { sumCalls } from './call-totals.js';
import { criticalPath } from './critical-path.js';
import { modelOfCall } from './model-of-call.js';
import { getRun } from './queries.js';
import type { Interval } from './time-intervals.js';
import type { RunStats } from './run-stats-schema.js';
import { waitingForPeople } from './waiting-for-people.js';

/** How many of the slowest nodes a report names. */
export const slowestNodeCount = 5;

/** What {@link computeRunStats} reads: one run's stored documents. */
export interface RunRecords {
  run: Run;
  nodes: readonly TaskNode[];
  events: readonly NodeEvent[];
  calls: readonly ModelCall[];
  /** Now (ISO time): where a wait for a person that has not ended is counted up to. */
  now: string;
}

/** Options of {@link runStats}. */
export interface RunStatsOptions {
  /** Now (ISO time); the clock by default. */
  now?: string;
}

/**
 * Where a run's time and money went (`arbor stats RUN`, `GET /v1/runs/:run/stats`): wall time
 * against the run's own lower bound, the critical path, the slowest nodes, usage by role, by model
 * and by top-level task, checks, retries and re-asks, and the time spent waiting for people.
 * Throws a `UsageError` for a run the store does not have.
 */
export async function runStats(
  store: Store,
  runId: string,
  options: RunStatsOptions = {},
): Promise<RunStats> {
  const run = await getRun(store, runId);
  const [nodes, events, calls] = await Promise.all([
    store.listNodes(runId),
    store.listEvents(runId),
    store.listCalls(runId),
  ]);
  return computeRunStats({ run, nodes, events, calls, now: options.now ?? new Date().toISOString() });
}

/** {@link runStats} over documents already read: pure, so it is tested without a store. */
export function computeRunStats(records: RunRecords): RunStats {
  const { run, nodes, events, calls } = records;
  const endedAt = run.endedAt ?? lastActivity(records);
  const busy = calls.map((call): Interval => [Date.parse(call.startedAt), Date.parse(call.endedAt)]);
  const waiting = waitingForPeople({ events, nodes, until: endedAt, busy });
  const wallMs = Math.max(0, Date.parse(endedAt) - Date.parse(run.createdAt));
  const path = criticalPath({ rootId: run.rootId, nodes, calls });
  const totals = sumCalls(calls);
  const concurrency = run.limits.concurrency;
  const fullSlotsMs = totals.callMs / concurrency;
  const boundMs = Math.max(path.ms, fullSlotsMs);
  const callsOf = groupBy(calls, (call) => call.nodeId);

  return {
    runId: run.id,
    status: run.status,
    prompt: run.prompt,
    llm: run.llm,
    startedAt: run.createdAt,
    endedAt: run.endedAt,
    nodes: nodes.length,
    totals,
    lowerBound: {
      wallMs,
      criticalPathMs: path.ms,
      totalCallMs: totals.callMs,
      concurrency,
      fullSlotsMs,
      boundMs,
      ratio: boundMs > 0 ? wallMs / boundMs : null,
      ratioWithoutWaiting:
        boundMs > 0 && waiting.idleMs > 0 ? Math.max(0, wallMs - waiting.idleMs) / boundMs : null,
    },
    criticalPath: path.steps,
    slowestNodes: nodes
      .map((node) => ({
        nodeId: node.id,
        title: node.title,
        depth: node.depth,
        status: node.status,
        wallMs:
          node.startedAt && node.endedAt
            ? Math.max(0, Date.parse(node.endedAt) - Date.parse(node.startedAt))
            : null,
        ...sumCalls(callsOf.get(node.id) ?? []),
      }))
      .filter((node) => node.calls > 0)
      .sort((a, b) => b.callMs - a.callMs || a.depth - b.depth)
      .slice(0, slowestNodeCount),
    byRole: agentRoles
      .map((role) => ({ role, ...sumCalls(calls.filter((call) => call.role === role)) }))
      .filter((entry) => entry.calls > 0),
    byModel: [...groupBy(calls, (call) => JSON.stringify(modelOfCall(call, run.llm))).values()]
      .map((group) => ({ ...modelOfCall(group[0]!, run.llm), ...sumCalls(group) }))
      .sort((a, b) => b.callMs - a.callMs),
    bySubtree: subtreeTotals(run, nodes, callsOf),
    checks: checkStats(nodes),
    repeats: repeatStats(calls),
    waitingForPeople: waiting,
  };
}

/** The root's own calls, then each top-level task with everything under it, in order. */
function subtreeTotals(
  run: Run,
  nodes: readonly TaskNode[],
  callsOf: Map<string, ModelCall[]>,
): RunStats['bySubtree'] {
  const root = nodes.find((node) => node.id === run.rootId);
  if (!root) return [];
  const own = {
    nodeId: root.id,
    title: root.title,
    status: root.status,
    scope: 'own' as const,
    nodes: 1,
    ...sumCalls(callsOf.get(root.id) ?? []),
  };
  const tops = nodes.filter((node) => node.parentId === root.id).sort((a, b) => a.order - b.order);
  return [
    own,
    ...tops.map((top) => {
      const members = nodes.filter((node) => node.id === top.id || node.ancestors.includes(top.id));
      return {
        nodeId: top.id,
        title: top.title,
        status: top.status,
        scope: 'subtree' as const,
        nodes: members.length,
        ...sumCalls(members.flatMap((node) => callsOf.get(node.id) ?? [])),
      };
    }),
  ];
}

function checkStats(nodes: readonly TaskNode[]): RunStats['checks'] {
  const checked = nodes.filter((node) => node.checks.length > 0);
  const passedFirstAttempt = checked.filter((node) => node.checks[0]?.verdict === 'pass').length;
  return {
    checkedNodes: checked.length,
    passedFirstAttempt,
    firstAttemptPassRate: checked.length > 0 ? passedFirstAttempt / checked.length : null,
    failedChecks: nodes.reduce(
      (sum, node) => sum + node.checks.filter((check) => check.verdict === 'fail').length,
      0,
    ),
  };
}

function repeatStats(calls: readonly ModelCall[]): RunStats['repeats'] {
  const reasksByRole = { planner: 0, sequencer: 0, executor: 0, checker: 0 };
  let providerRetries = 0;
  let retriedCalls = 0;
  let callsWithoutRetryCount = 0;
  for (const call of calls) {
    // A re-ask carries the invalid answer back to the model as an assistant turn (ask-agent).
    if (call.messages.some((message) => message.role === 'assistant')) reasksByRole[call.role]++;
    if (call.retries === undefined) callsWithoutRetryCount++;
    else if (call.retries > 0) {
      providerRetries += call.retries;
      retriedCalls++;
    }
  }
  const reasks = Object.values(reasksByRole).reduce((sum, count) => sum + count, 0);
  return { providerRetries, retriedCalls, callsWithoutRetryCount, reasks, reasksByRole };
}

/**
 * Where an unfinished run's wall time ends: now while it waits for people (the wait is still
 * going), else its last recorded activity (a run whose process stopped is not still running).
 */
function lastActivity(records: RunRecords): string {
  const { run, events, calls } = records;
  if (run.status === 'awaiting_approval') return records.now;
  let latest = Date.parse(run.updatedAt);
  for (const event of events) latest = Math.max(latest, Date.parse(event.at));
  for (const call of calls) latest = Math.max(latest, Date.parse(call.endedAt));
  return new Date(latest).toISOString();
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}
