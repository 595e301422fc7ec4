import { z } from 'zod';
import { budgetNameSchema, limitsSchema } from './limits.js';
import { runPlanSchema } from './plan-file.js';
import { usageSchema } from './usage.js';

/** Current schema version of stored run documents. */
export const runSchemaVersion = 1;

/** Lifecycle of a run (DESIGN §3). */
export const runStatusSchema = z.enum(['running', 'awaiting_approval', 'completed', 'failed', 'cancelled']);

/** Lifecycle of a run. */
export type RunStatus = z.infer<typeof runStatusSchema>;

/** A run that is not over: `running`, or waiting for people. Workers and `serve` take such runs up. */
export function isOpenRun(run: { status: RunStatus }): boolean {
  return run.status === 'running' || run.status === 'awaiting_approval';
}

/** A notes file as the run read it; the hash tells whether it changed before a resume. */
export const noteRefSchema = z.object({
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  /** The text itself, for a note given as text (library API, service) rather than read from a file. */
  content: z.string().optional(),
});

/** A notes file as the run read it. */
export type NoteRef = z.infer<typeof noteRefSchema>;

/** Why a run stopped before finishing. */
export const stopReasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('budget'), budget: budgetNameSchema, message: z.string() }),
  z.object({ kind: z.literal('failure'), message: z.string() }),
  z.object({ kind: z.literal('cancelled'), message: z.string() }),
]);

/** Why a run stopped before finishing. */
export type StopReason = z.infer<typeof stopReasonSchema>;

/**
 * Where a run's trace lives (W3C trace context ids, lower-case hex): the trace id and the span that
 * stands for the run. A resumed drive and every worker hang their spans under it, so one run is one
 * trace however many processes work on it.
 */
export const runTraceSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
});

/** Where a run's trace lives. */
export type RunTrace = z.infer<typeof runTraceSchema>;

/** A run: the prompt, its inputs, the settings it started with, and its totals (DESIGN §3). */
export const runSchema = z.object({
  schemaVersion: z.literal(runSchemaVersion),
  id: z.string(),
  prompt: z.string(),
  notes: z.array(noteRefSchema),
  rootId: z.string(),
  /** The `--llm` spec, reused by resume and approve unless overridden. */
  llm: z.string(),
  agentsDir: z.string().nullable(),
  promptsDir: z.string().nullable(),
  limits: limitsSchema,
  /**
   * The `--out` folder (absolute) for artifacts, reused by resume and workers unless overridden; null
   * or absent (runs stored before it was kept) means the default, `./arbor-out/RUN`.
   */
  outDir: z.string().nullable().optional(),
  /** The run's trace when it was traced (OpenTelemetry); absent on runs stored before it was kept. */
  trace: runTraceSchema.nullable().optional(),
  /** The written plan it was started from (`run --plan`) and its params; absent otherwise. */
  plan: runPlanSchema.optional(),
  /**
   * Left to workers when it was made (`run --detach`, `"detach": true`): `arbor serve` does not take
   * it up at start (workers do). Absent: driven by the process that made it.
   */
  detached: z.boolean().optional(),
  /** The schedule tick that started it (`arbor schedule`); absent otherwise. */
  schedule: z.object({ name: z.string(), tick: z.string() }).optional(),
  status: runStatusSchema,
  stopReason: stopReasonSchema.nullable(),
  usage: usageSchema,
  nodeCount: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().nullable(),
});

/** A run. */
export type Run = z.infer<typeof runSchema>;

/** The fields a write may change on a run. */
export type RunPatch = Partial<Omit<Run, 'schemaVersion' | 'id' | 'prompt' | 'rootId' | 'createdAt'>>;
