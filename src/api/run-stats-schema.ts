import { z } from 'zod';
import { agentRoleSchema, nodeStatusSchema, runStatusSchema } from '../domain/index.js';
import { callTotalsSchema } from './call-totals.js';
import { criticalPathStepSchema } from './critical-path.js';
import { waitingForPeopleSchema } from './waiting-for-people.js';

/** How the run's wall time compares with the fastest any schedule could have been (DESIGN §7). */
export const lowerBoundSchema = z.object({
  /** From the run's creation to its end (or its last activity, or now while it waits for people). */
  wallMs: z.number().nonnegative(),
  /** The longest chain of calls that had to run one after another. */
  criticalPathMs: z.number().nonnegative(),
  /** Every call's time added up. */
  totalCallMs: z.number().nonnegative(),
  /** The run's `--concurrency`. */
  concurrency: z.number().int().positive(),
  /** `totalCallMs / concurrency`: the time the calls need with every slot busy. */
  fullSlotsMs: z.number().nonnegative(),
  /** The larger of the two: no schedule finishes the same calls sooner. */
  boundMs: z.number().nonnegative(),
  /** `wallMs / boundMs`; null when the run made no calls. */
  ratio: z.number().nonnegative().nullable(),
  /** The same without the time people held the run up (waiting while no call ran); null when they did not. */
  ratioWithoutWaiting: z.number().nonnegative().nullable(),
});

/** A node's share of the work: its own calls, and how long it took from start to end. */
export const nodeTimeSchema = callTotalsSchema.extend({
  nodeId: z.string(),
  title: z.string(),
  depth: z.number().int().nonnegative(),
  status: nodeStatusSchema,
  /** From the node's start to its end; null when it has not run or not ended. */
  wallMs: z.number().nonnegative().nullable(),
});

/** The calls of one role. */
export const roleTotalsSchema = callTotalsSchema.extend({ role: agentRoleSchema });

/** The calls one provider's model answered. */
export const modelTotalsSchema = callTotalsSchema.extend({ provider: z.string(), model: z.string() });

/**
 * One top-level task and everything under it. The root's own calls (the first plan and its
 * sequencing, and the roll-up) come first, as `scope: "own"`.
 */
export const subtreeTotalsSchema = callTotalsSchema.extend({
  nodeId: z.string(),
  title: z.string(),
  status: nodeStatusSchema,
  scope: z.enum(['own', 'subtree']),
  nodes: z.number().int().nonnegative(),
});

/** How checks went. */
export const checkStatsSchema = z.object({
  /** Nodes the checker judged at least once. */
  checkedNodes: z.number().int().nonnegative(),
  /** Of those, the nodes whose first result passed. */
  passedFirstAttempt: z.number().int().nonnegative(),
  /** `passedFirstAttempt / checkedNodes`; null when nothing was checked. */
  firstAttemptPassRate: z.number().min(0).max(1).nullable(),
  /** Failed verdicts, each of which sent the executor back (or a person, when attempts ran out). */
  failedChecks: z.number().int().nonnegative(),
});

/** Work done again: provider retries inside calls, and re-asks after an invalid answer. */
export const repeatStatsSchema = z.object({
  /** Provider faults (429, 5xx, timeouts) retried inside calls. */
  providerRetries: z.number().int().nonnegative(),
  /** Calls that needed at least one provider retry. */
  retriedCalls: z.number().int().nonnegative(),
  /** Calls stored before Arbor counted retries: their retries are not in the numbers above. */
  callsWithoutRetryCount: z.number().int().nonnegative(),
  /** Calls that asked again because the previous answer was invalid or cut off. */
  reasks: z.number().int().nonnegative(),
  reasksByRole: z.object({
    planner: z.number().int().nonnegative(),
    sequencer: z.number().int().nonnegative(),
    executor: z.number().int().nonnegative(),
    checker: z.number().int().nonnegative(),
  }),
});

/** Where a run's time and money went: `arbor stats RUN` and `GET /v1/runs/:run/stats`. */
export const runStatsSchema = z.object({
  runId: z.string(),
  status: runStatusSchema,
  prompt: z.string(),
  llm: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  nodes: z.number().int().nonnegative(),
  totals: callTotalsSchema,
  lowerBound: lowerBoundSchema,
  criticalPath: z.array(criticalPathStepSchema),
  /** The nodes whose own calls took longest, longest first. */
  slowestNodes: z.array(nodeTimeSchema),
  byRole: z.array(roleTotalsSchema),
  byModel: z.array(modelTotalsSchema),
  bySubtree: z.array(subtreeTotalsSchema),
  checks: checkStatsSchema,
  repeats: repeatStatsSchema,
  waitingForPeople: waitingForPeopleSchema,
});

/** Where a run's time and money went. */
export type RunStats = z.infer<typeof runStatsSchema>;
