import { z } from 'zod';
import { approvalSchema } from './approval.js';
import { checkerAnswerSchema } from './checker-answer.js';
import { executorAnswerSchema, nodeResultSchema } from './executor-answer.js';
import { limitStopSchema } from './limit-reached.js';
import { nodeStatusSchema } from './node-status.js';
import { planStepSchema } from './plan-file.js';
import { plannerAnswerSchema } from './planner-answer.js';
import { sequencerAnswerSchema } from './sequencer-answer.js';
import { usageSchema } from './usage.js';

/** Current schema version of stored node documents. */
export const nodeSchemaVersion = 1;

/** Answered calls per role on one node; the next call of a role is attempt `count + 1`. */
export const roleCallsSchema = z.object({
  planner: z.number().int().nonnegative(),
  sequencer: z.number().int().nonnegative(),
  executor: z.number().int().nonnegative(),
  checker: z.number().int().nonnegative(),
});

/** Answered calls per role on one node. */
export type RoleCalls = z.infer<typeof roleCallsSchema>;

/**
 * The answers of the step in progress, stored as they arrive so that a resumed run continues where
 * it stopped instead of asking again (write before act).
 */
export const pipelineSchema = z.object({
  execution: executorAnswerSchema.nullable(),
  plan: plannerAnswerSchema.nullable(),
  sequence: sequencerAnswerSchema.nullable(),
});

/** The answers of the step in progress. */
export type Pipeline = z.infer<typeof pipelineSchema>;

/** One checker verdict, kept so the executor's next attempt can see the feedback. */
export const checkRecordSchema = checkerAnswerSchema.extend({
  attempt: z.number().int().positive(),
  at: z.string(),
});

/** One checker verdict. */
export type CheckRecord = z.infer<typeof checkRecordSchema>;

/** Why a node failed or was skipped. */
export const nodeErrorSchema = z.object({
  /** `condition`: a written step's `when` did not hold, or its fallback was not needed. */
  kind: z.enum(['model', 'provider', 'validation', 'budget', 'human', 'dependency', 'condition', 'timeout', 'internal']),
  message: z.string(),
  /**
   * The run limit behind the failure: the node's own (kind `budget`, e.g. it had to decompose at
   * the depth limit) or a subtask's that failed it (kind `dependency`). Absent for other failures
   * and on documents stored before it was kept.
   */
  limit: limitStopSchema.optional(),
});

/** Why a node failed or was skipped. */
export type NodeError = z.infer<typeof nodeErrorSchema>;

/** Who is working on a node and until when; a lease that expired may be taken over. */
export const leaseSchema = z.object({
  owner: z.string(),
  token: z.string(),
  expiresAt: z.string(),
});

/** Who is working on a node and until when. */
export type Lease = z.infer<typeof leaseSchema>;

/** A task node: one stored document per node, linked to its parent by id (DESIGN §3). */
export const taskNodeSchema = z.object({
  schemaVersion: z.literal(nodeSchemaVersion),
  runId: z.string(),
  id: z.string(),
  parentId: z.string().nullable(),
  /** Ids from the root down to the parent. */
  ancestors: z.array(z.string()),
  depth: z.number().int().nonnegative(),
  order: z.number().int().nonnegative(),
  key: z.string(),
  title: z.string(),
  description: z.string(),
  notes: z.array(z.string()),
  /** Ids of sibling nodes that must settle first. */
  dependsOn: z.array(z.string()),
  group: z.number().int().nonnegative().nullable(),
  integration: z.boolean(),
  status: nodeStatusSchema,
  requiresApproval: z.boolean(),
  approval: approvalSchema.nullable(),
  /** Executor attempts in the current check loop. */
  attempts: z.number().int().nonnegative(),
  calls: roleCallsSchema,
  pipeline: pipelineSchema,
  result: nodeResultSchema.nullable(),
  check: checkerAnswerSchema.nullable(),
  checks: z.array(checkRecordSchema),
  error: nodeErrorSchema.nullable(),
  usage: usageSchema,
  lease: leaseSchema.nullable(),
  /**
   * The worker (`arbor worker --id`) that last claimed the node in a shared run; absent when no
   * worker ran it (a run driven by one process, or a document from before workers).
   */
  worker: z.string().optional(),
  /**
   * The written step this node is (issue 16: `run --plan`): its prompt template, condition,
   * fallback, retry policy, timeout, `plan: auto | manual` and nested steps. Absent on nodes a
   * planner proposed and on documents stored before plans.
   */
  step: planStepSchema.optional(),
  /** The sibling that runs only if this node fails (its step's `fallback`), by id. */
  fallbackId: z.string().optional(),
  /** The sibling this node is the fallback of, by id: it runs only if that one failed. */
  fallbackFor: z.string().optional(),
  /** The try of a written step with a `retry` policy (1-based); absent: its first. */
  tries: z.number().int().positive().optional(),
  /**
   * Set on a parent that `resume --from-node` has do its work again (issue 16): when it starts, it
   * keeps its children (no planner or sequencer call) and has them done again, then waits on them.
   * `from` is the node the resume named, `reason` what the redone children record. Absent or null
   * otherwise, and on documents stored before it.
   */
  redo: z.object({ from: z.string(), reason: z.string() }).nullable().optional(),
  /** Bumped on every write; conditional updates compare it. */
  version: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});

/** A task node. */
export type TaskNode = z.infer<typeof taskNodeSchema>;

/** The fields a write may change; identity and tree position never change. */
export type NodePatch = Partial<
  Omit<
    TaskNode,
    'schemaVersion' | 'runId' | 'id' | 'parentId' | 'ancestors' | 'depth' | 'order' | 'createdAt'
  >
>;

/** A pipeline with nothing in progress. */
export const emptyPipeline: Pipeline = Object.freeze({ execution: null, plan: null, sequence: null });

/** Role call counts of a fresh node. */
export const noCalls: RoleCalls = Object.freeze({ planner: 0, sequencer: 0, executor: 0, checker: 0 });
