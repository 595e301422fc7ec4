import { z } from 'zod';

/** What a person decided. Gates take approve/reject/edit; escalations take retry/skip/fail. */
export const decisionActionSchema = z.enum(['approve', 'reject', 'edit', 'retry', 'skip', 'fail']);

/** What a person decided. */
export type DecisionAction = z.infer<typeof decisionActionSchema>;

/** A person's decision on one approval request. */
export const decisionSchema = z.object({
  action: decisionActionSchema,
  /** Why, or guidance for a retry. */
  comment: z.string().nullable(),
  /** The new description, for `edit`. */
  description: z.string().nullable(),
  by: z.string(),
  at: z.string(),
  /** The approval round this decision answers; a stale decision is ignored. */
  round: z.number().int().positive(),
});

/** A person's decision on one approval request. */
export type Decision = z.infer<typeof decisionSchema>;

/**
 * Why a node waits for a person: a `gate` before it runs (flagged by the planner or a policy), or an
 * `escalation` after its check attempts ran out.
 */
export const approvalSchema = z.object({
  kind: z.enum(['gate', 'escalation']),
  reason: z.string(),
  round: z.number().int().positive(),
  requestedAt: z.string(),
  decision: decisionSchema.nullable(),
});

/** Why a node waits for a person, and what was decided. */
export type Approval = z.infer<typeof approvalSchema>;

/** The decisions that make sense for each kind of approval. */
export const decisionsFor = {
  gate: ['approve', 'reject', 'edit'],
  escalation: ['retry', 'skip', 'fail'],
} as const satisfies Record<Approval['kind'], readonly DecisionAction[]>;
