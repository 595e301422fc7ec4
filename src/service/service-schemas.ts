import { z } from 'zod';
import {
  approvalSchema,
  decisionActionSchema,
  limitsSchema,
  modelCallSchema,
  nodeEventSchema,
  nodeStatusSchema,
  runSchema,
  runStatusSchema,
  taskNodeSchema,
} from '../domain/index.js';

// The service's requests and answers (README "Arbor as a service"): the OpenAPI document is generated
// from these, and every request is parsed by them before anything is stored.

const id = z.string().min(1).max(200);

/** `:run` in a path. */
export const runParamsSchema = z.object({ run: id }).strict();

/** `:run` and `:node` in a path. */
export const nodeParamsSchema = z.object({ run: id, node: id }).strict();

/** `:run` and the artifact's path (`*`) in `GET /v1/runs/:run/artifacts/*`. */
export const artifactParamsSchema = z.object({ run: id, '*': z.string().max(1_000) }).strict();

/** `POST /v1/runs`: the work, and what the CLI's `arbor run` flags would set. */
export const createRunBodySchema = z
  .object({
    prompt: z
      .string()
      .trim()
      .min(1, 'the prompt is empty')
      .optional()
      .meta({ description: 'what to build; with a `plan`, optional (its description stands in)' }),
    plan: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .meta({
        description:
          'a written plan (README "Writing plans"): its YAML or JSON text, or the plan as an object; checked as `arbor plan check` does',
      }),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .meta({ description: "values of the plan's params, as `--set NAME=VALUE` gives them" }),
    notes: z
      .array(z.object({ name: z.string().trim().min(1), content: z.string() }).strict())
      .max(100)
      .optional()
      .meta({ description: 'notes given as text, as `--notes` files would be' }),
    llm: z.string().min(1).optional().meta({ description: '`openai[:MODEL]`, `anthropic[:MODEL]` or `script:FILE`' }),
    limits: limitsSchema.partial().strict().optional(),
    agents: z.string().min(1).optional().meta({ description: "a folder of agent files on the server (default: Arbor's own)" }),
    detach: z
      .boolean()
      .optional()
      .meta({ description: 'MongoDB only: store the run and leave it to `arbor worker` processes' }),
  })
  .strict()
  .refine((body) => body.prompt !== undefined || body.plan !== undefined, {
    message: 'give a prompt, or a plan',
    path: ['prompt'],
  });

/** `GET /v1/runs` query. */
export const listRunsQuerySchema = z
  .object({
    status: runStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).optional().meta({ description: '`nextCursor` of the previous page' }),
  })
  .strict();

/** `POST …/decision`: the decisions of `arbor approve`. */
export const decisionBodySchema = z
  .object({
    action: decisionActionSchema,
    comment: z.string().max(10_000).optional(),
    description: z.string().max(100_000).optional(),
    by: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** `POST …/cancel`. */
export const cancelBodySchema = z
  .object({ reason: z.string().trim().min(1).max(1_000).optional(), by: z.string().trim().min(1).max(200).optional() })
  .strict();

/** `POST …/resume`: settings to change, as `arbor resume` flags would. */
export const resumeBodySchema = z
  .object({
    llm: z.string().min(1).optional(),
    limits: limitsSchema.partial().strict().optional(),
    fromNode: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'do this settled node again, with its dependents and roll-ups (as `arbor resume --from-node`)' }),
  })
  .strict();

/** `GET …/events` query. */
export const eventsQuerySchema = z
  .object({
    after: z.coerce.number().int().min(0).default(0).meta({ description: 'the last `seq` the client has' }),
    limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  })
  .strict();

/** `GET …/events/stream` query (the token may come here: browsers cannot set headers on a WebSocket). */
export const streamQuerySchema = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    token: z.string().optional(),
  })
  .strict();

/** A stored event with its place in the run's order: `seq` 1 is the run's first event. */
export const sequencedEventSchema = z.object({ seq: z.number().int().positive(), event: nodeEventSchema });

/** A node that waits for a person, with what the CLI prompt shows. */
const pendingApprovalSchema = z.object({
  runId: z.string(),
  nodeId: z.string(),
  title: z.string(),
  description: z.string(),
  kind: approvalSchema.shape.kind,
  reason: z.string(),
  round: z.number().int(),
  requestedAt: z.string(),
  actions: z.array(decisionActionSchema),
});

/** A run with what a list or a header shows: nodes per status. */
export const runSummarySchema = z.object({
  run: runSchema,
  counts: z.partialRecord(nodeStatusSchema, z.number().int().nonnegative()),
});

/** Nodes nested with their children (the `arbor tree --json` document). */
const treeNodeSchema: z.ZodType = z.lazy(() => taskNodeSchema.extend({ children: z.array(treeNodeSchema) }));

export const responseSchemas = {
  created: z.object({ runId: z.string() }),
  runList: z.object({ runs: z.array(runSummarySchema), nextCursor: z.string().nullable() }),
  runSummary: runSummarySchema,
  tree: z.object({ runId: z.string(), status: runStatusSchema, root: treeNodeSchema }),
  node: z.object({
    node: taskNodeSchema,
    events: z.array(nodeEventSchema),
    calls: z.array(modelCallSchema),
    pendingApproval: pendingApprovalSchema.nullable(),
  }),
  approvals: z.object({ approvals: z.array(pendingApprovalSchema) }),
  allApprovals: z.object({ approvals: z.array(pendingApprovalSchema.extend({ prompt: z.string() })) }),
  decided: z.object({ runId: z.string(), nodeId: z.string(), action: decisionActionSchema, by: z.string() }),
  cancelled: z.object({ runId: z.string(), outcome: z.enum(['over', 'signalled', 'cancelled']), status: runStatusSchema }),
  resumed: z.object({ runId: z.string(), status: runStatusSchema }),
  events: z.object({ events: z.array(sequencedEventSchema), last: z.number().int().nonnegative() }),
  health: z.object({ status: z.literal('ok') }),
  ready: z.object({ status: z.literal('ready'), store: z.string() }),
  problem: z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    field: z.string().optional(),
    fix: z.string().optional(),
  }),
};
