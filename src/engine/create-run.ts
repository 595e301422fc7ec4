import { randomBytes } from 'node:crypto';
import {
  emptyUsage,
  newNode,
  rootNodeId,
  runSchemaVersion,
  type Limits,
  type NoteRef,
  type PlanStep,
  type Run,
  type RunTrace,
  type RunPlan,
  type TaskNode,
} from '../domain/index.js';
import type { Store } from '../store/index.js';

/** Options of {@link createRun}. */
export interface CreateRunOptions {
  store: Store;
  prompt: string;
  notes: readonly NoteRef[];
  llm: string;
  agentsDir: string | null;
  promptsDir: string | null;
  limits: Limits;
  /** The `--out` folder the run was started with; null or absent: the default. */
  outDir?: string | null;
  /** The run's trace, when this process traces it (see {@link RunTrace}). */
  trace?: RunTrace | null;
  /**
   * A written plan (issue 16): the root is planned by its steps instead of by the planner, and the
   * run keeps the plan's name, version and params.
   */
  plan?: { run: RunPlan; steps: readonly PlanStep[] };
  /** Left to workers (see `Run.detached`). */
  detached?: boolean;
  /** The schedule tick that starts the run (`arbor schedule`). */
  schedule?: { name: string; tick: string };
  /** Fixed id (tests); otherwise a short random one. */
  id?: string;
}

/** Stores a new run and its root node (the prompt), ready to be planned. */
export async function createRun(options: CreateRunOptions): Promise<{ run: Run; root: TaskNode }> {
  const at = new Date().toISOString();
  const id = options.id ?? `r-${randomBytes(5).toString('hex')}`;
  const root = newNode({
    runId: id,
    id: rootNodeId,
    parent: null,
    order: 0,
    key: 'root',
    title: options.prompt,
    description: options.prompt,
    notes: options.notes.map((note) => note.path),
    status: 'ready',
    at,
  });
  if (options.plan)
    root.step = {
      key: 'root',
      title: options.prompt,
      dependsOn: [],
      notes: [],
      requiresApproval: false,
      plan: 'manual',
      steps: [...options.plan.steps],
    };
  const run: Run = {
    schemaVersion: runSchemaVersion,
    id,
    prompt: options.prompt,
    notes: [...options.notes],
    rootId: root.id,
    llm: options.llm,
    agentsDir: options.agentsDir,
    promptsDir: options.promptsDir,
    limits: options.limits,
    outDir: options.outDir ?? null,
    ...(options.trace ? { trace: options.trace } : {}),
    ...(options.plan ? { plan: options.plan.run } : {}),
    ...(options.detached ? { detached: true } : {}),
    ...(options.schedule ? { schedule: { ...options.schedule } } : {}),
    status: 'running',
    stopReason: null,
    usage: { ...emptyUsage },
    nodeCount: 1,
    createdAt: at,
    updatedAt: at,
    endedAt: null,
  };
  await options.store.createRun(run, root);
  return { run, root };
}
