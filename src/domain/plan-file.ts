import { z } from 'zod';
import { nodeStatusSchema, type NodeStatus } from './node-status.js';

/** A param's value: what `--set KEY=VALUE` gives, typed by the param's declaration. */
export const paramValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** A param's value. */
export type ParamValue = z.infer<typeof paramValueSchema>;

/** One declared input of a plan, filled in by `--set NAME=VALUE` or its default. */
export const planParamSchema = z.strictObject({
  type: z.enum(['string', 'number', 'boolean']).default('string').describe('How `--set` values are read'),
  description: z.string().optional(),
  default: paramValueSchema.optional().describe('The value when none is set'),
  required: z.boolean().default(false).describe('True: the run refuses to start without a value'),
});

/** One declared input of a plan. */
export type PlanParam = z.infer<typeof planParamSchema>;

/**
 * A step's condition (issue 16): structured, never an evaluated string. `status`, `result` and
 * `exists: { step }` may name only steps the step depends on.
 */
export type Condition =
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  | { status: { step: string; is: NodeStatus | NodeStatus[] } }
  | { result: { step: string; contains: string } }
  | {
      param: {
        name: string;
        equals?: ParamValue | undefined;
        notEquals?: ParamValue | undefined;
        greaterThan?: number | undefined;
        lessThan?: number | undefined;
      };
    }
  | { exists: { step: string } | { param: string } };

const stepKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a step key is letters, digits, "-" and "_" (at most 64)');

/** The leaf tests of the condition language, by operator. */
export const conditionTestSchemas = {
  status: z.strictObject({
    step: stepKeySchema,
    is: z.union([nodeStatusSchema, z.array(nodeStatusSchema).min(1)]),
  }),
  result: z.strictObject({ step: stepKeySchema, contains: z.string() }),
  param: z.strictObject({
    name: z.string(),
    equals: paramValueSchema.optional(),
    notEquals: paramValueSchema.optional(),
    greaterThan: z.number().optional(),
    lessThan: z.number().optional(),
  }),
  exists: z.union([z.strictObject({ step: stepKeySchema }), z.strictObject({ param: z.string() })]),
};

/** Every operator of the condition language. */
export const conditionOperators = ['and', 'or', 'not', 'status', 'result', 'param', 'exists'] as const;

/** The condition language of `when`. */
export const conditionSchema: z.ZodType<Condition, Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ and: z.array(conditionSchema).min(1) }),
    z.strictObject({ or: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ status: conditionTestSchemas.status }),
    z.strictObject({ result: conditionTestSchemas.result }),
    z.strictObject({ param: conditionTestSchemas.param }),
    z.strictObject({ exists: conditionTestSchemas.exists }),
  ]),
);

/** How a step's work is tried again when it fails: `attempts` in all, waiting between them. */
export const retryPolicySchema = z.strictObject({
  attempts: z.number().int().min(1).max(20).describe('Tries in all, the first one included'),
  backoff: z.enum(['fixed', 'linear', 'exponential']).default('fixed'),
  delayMs: z.number().int().nonnegative().default(1000).describe('The wait before the second try'),
  maxDelayMs: z.number().int().nonnegative().optional().describe('No wait is longer than this'),
});

/** How a step's work is tried again when it fails. */
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/** One step of a written plan as the file gives it. */
export interface PlanStepInput {
  key: string;
  title: string;
  prompt?: string | undefined;
  dependsOn?: string[] | undefined;
  notes?: string[] | undefined;
  agent?: string | undefined;
  requiresApproval?: boolean | undefined;
  approvalReason?: string | undefined;
  when?: Condition | undefined;
  fallback?: string | undefined;
  retry?: z.input<typeof retryPolicySchema> | undefined;
  timeoutMs?: number | undefined;
  plan?: 'auto' | 'manual' | undefined;
  steps?: PlanStepInput[] | undefined;
}

/** One step of a written plan, defaults filled in. */
export interface PlanStep {
  key: string;
  title: string;
  prompt?: string | undefined;
  dependsOn: string[];
  notes: string[];
  agent?: string | undefined;
  requiresApproval: boolean;
  approvalReason?: string | undefined;
  when?: Condition | undefined;
  fallback?: string | undefined;
  retry?: RetryPolicy | undefined;
  timeoutMs?: number | undefined;
  plan: 'auto' | 'manual';
  steps?: PlanStep[] | undefined;
}

/**
 * One step of a written plan: a node of the tree. `prompt` is a handlebars template over `params`
 * and `steps.KEY.result` of the step's dependencies; nested `steps` are its children.
 */
export const planStepSchema: z.ZodType<PlanStep, PlanStepInput> = z.lazy(() =>
  z.strictObject({
    key: stepKeySchema.describe('Short unique key among the sibling steps'),
    title: z.string().min(1).describe('Imperative title of the step'),
    prompt: z
      .string()
      .optional()
      .describe(
        'What the step must do: handlebars over {{params.NAME}} and {{steps.KEY.result}} of its dependencies',
      ),
    dependsOn: z.array(stepKeySchema).default([]).describe('Keys of sibling steps that must settle first'),
    notes: z.array(z.string()).default([]).describe('Notes files the step draws on'),
    agent: z
      .string()
      .regex(
        /^(openai|anthropic)(:\S.*)?$|^script:\S.*$|\.(ya?ml|json)$/i,
        'an agent is a model as --llm takes it (openai[:MODEL], anthropic[:MODEL] or script:FILE) or a role file (FILE.yaml)',
      )
      .optional()
      .describe(
        "The model of this step's calls, as --llm takes it (openai[:MODEL], anthropic[:MODEL] or script:FILE), or an agent file (FILE.yaml, relative to the plan) for the role it names",
      ),
    requiresApproval: z.boolean().default(false).describe('True: a person approves before the step runs'),
    approvalReason: z.string().optional(),
    when: conditionSchema.optional().describe('The step runs only when this holds; otherwise it is skipped'),
    fallback: stepKeySchema.optional().describe('A sibling step that runs only if this one fails'),
    retry: retryPolicySchema.optional(),
    timeoutMs: z.number().int().positive().optional().describe('Each try fails after this long'),
    plan: z
      .enum(['auto', 'manual'])
      .default('manual')
      .describe('manual: the executor must complete the step; auto: it may decompose it'),
    steps: z.array(planStepSchema).min(1).optional().describe('A sub-plan: the children of this step'),
  }),
);

/** A step's `agent` that names an agent file (YAML or JSON) for one role, not a model for all of them. */
export function isAgentFileSpec(agent: string): boolean {
  return !/^(openai|anthropic|script)(:|$)/.test(agent) && /\.(ya?ml|json)$/i.test(agent);
}

/** A plan file (YAML or JSON): a tree of steps a person writes, with typed params. */
export const planFileSchema = z.strictObject({
  $schema: z.string().optional().describe('The JSON Schema of plan files, for editors'),
  name: z.string().min(1).describe('The plan name, as `arbor plan show NAME` finds it'),
  version: z.union([z.string(), z.number()]).default('1').describe('The plan version'),
  description: z.string().default(''),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), planParamSchema).default({}),
  steps: z.array(planStepSchema).min(1),
});

/** A plan file, defaults filled in. */
export type PlanFile = z.infer<typeof planFileSchema>;

/** What a run keeps of the plan it was started from: the steps themselves live on the nodes. */
export const runPlanSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** The file it was read from, or null (given as text). */
  source: z.string().nullable(),
  /** Every param's value: set, or its default. */
  params: z.record(z.string(), paramValueSchema),
  /**
   * The agent files steps name as their `agent`, by the `agent` text, as read when the run was made
   * (checked against the agent file schema where they are used), so that any process can work them.
   */
  agents: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** What a run keeps of its plan. */
export type RunPlan = z.infer<typeof runPlanSchema>;

/**
 * The JSON Schema of plan files (`arbor plan schema`), generated from {@link planFileSchema} so
 * editors check plans as they are typed.
 */
export function planJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(planFileSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Arbor plan file',
  };
}

/** Every step of `steps`, each before its sub-steps, with its depth (top-level steps at 1, as their nodes are). */
export function eachStep(steps: readonly PlanStep[], depth = 1): Array<{ step: PlanStep; depth: number }> {
  return steps.flatMap((step) => [{ step, depth }, ...eachStep(step.steps ?? [], depth + 1)]);
}
