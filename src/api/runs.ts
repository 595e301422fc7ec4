import { hostname } from 'node:os';
import path from 'node:path';
import type { NoteText } from '../agents/index.js';
import {
  defaultLimits,
  didYouMean,
  limitsSchema,
  StateConflictError,
  UsageError,
  type AgentRole,
  type Limits,
  type NoteRef,
  type Run,
  type RunPatch,
  type TaskNode,
} from '../domain/index.js';
import {
  cancelRun as cancelStoredRun,
  createRun as storeNewRun,
  redoRefusal,
  RunEngine,
  TreeState,
  type EngineEvent,
  type RedoRefusal,
  type RedoRequest,
  type RunOutcome,
} from '../engine/index.js';
import { scheduledRunId } from './scheduled-run-id.js';
import type { Model } from '../llm/model.js';
import type { Store } from '../store/index.js';
import { checkCostLimit } from './check-cost-limit.js';
import { checkPlanFits } from './check-plan-fits.js';
import { checkStepAgents } from './check-step-agents.js';
import { checkDecision, pendingApprovals, type DecisionInput, type PendingApproval } from './decisions.js';
import { EventQueue } from './event-queue.js';
import { resolveLlmSpec } from './llm-spec.js';
import { outputFolder } from './output-folder.js';
import { personName } from './person-name.js';
import { prepareAgents, type PreparedAgents } from './prepare-run.js';
import { readPlan, runPlanOf, type PlanInput } from './read-plan.js';
import { refuseWorkedRun } from './refuse-worked-run.js';
import type { ParamInput } from '../plans/index.js';
import { getRun, unknownNode } from './queries.js';
import { inlineNotes, readNotes } from './read-notes.js';
import { rereadNotes } from './reread-notes.js';
import { roleLimitNotices } from './role-limit-notices.js';
import { RunTracing, type TraceOptions } from './run-tracing.js';

/** A model of your own: one for every role, or one per role. */
export type ModelChoice = Model | ((role: AgentRole) => Model);

/** A notes file to read (its path), or a note given as text. */
export type NoteInput = string | { name: string; content: string };

/** Settings every run takes, on start and (as overrides of the stored ones) on resume. */
export interface RunSettings {
  store: Store;
  /** `openai[:MODEL]`, `anthropic[:MODEL]` or `script:FILE` (DESIGN §5); default: `ARBOR_LLM`, then a provider whose key is set. */
  llm?: string;
  /** A model object instead of `llm`: any provider, plugged in without a fork. */
  model?: ModelChoice;
  /** Folder of agent files; default: Arbor's own `agents/`. */
  agents?: string;
  /** Folder of prompt templates; default: Arbor's own `prompts/`. */
  prompts?: string;
  /** Budgets and limits; unset ones: the defaults (start) or the run's own (resume). */
  limits?: Partial<Limits>;
  /** Where executor artifacts go; default: `./arbor-out/RUN`. */
  outDir?: string;
  /** Most calls in flight per provider, across roles. */
  providerConcurrency?: Readonly<Record<string, number>>;
  /**
   * Trace the run with OpenTelemetry (README "Traces"): a span per drive, node and model call. Unset:
   * nothing is traced and no span is made.
   */
  trace?: TraceOptions;
  /**
   * A new run left to workers (`run --detach`): stored as such, so that `arbor serve` does not take it
   * up at start; call `leave()` on the ready run instead of `start()`. MongoDB only.
   */
  detach?: boolean;
}

/** How this process drives a run. */
export interface DriveOptions {
  /**
   * Keep driving while nodes wait for people, until someone decides (through {@link RunHandle.decide},
   * `arbor approve` or the service). False: the drive ends with the run `awaiting_approval`, to be resumed
   * after the decisions. Default true.
   */
  waitForApprovals?: boolean;
  /** Called for every engine event, in order, as it happens (before any iterator sees it). */
  onEvent?: (event: EngineEvent) => void;
  /** Who drives the run, recorded on its lease and events; default `HOST:PID`. */
  owner?: string;
  /** How often to look for a cancel from another process (ms, default 500). */
  cancelPollMs?: number;
}

/** What a run works from besides its prompt or plan. */
interface RunInputs {
  notes?: readonly NoteInput[];
  /** Values of the plan's params (`--set NAME=VALUE`): text, read as each param's type, or typed values. */
  params?: ParamInput;
  /** The schedule tick that starts the run (`arbor schedule`), kept on the run. */
  schedule?: { name: string; tick: string };
}

/**
 * The work: a prompt, or a written plan (issue 16, `run --plan`: a YAML or JSON file's path, or
 * `{ text }`), whose steps are the tree's first levels, checked before anything is stored. With a
 * plan the prompt is optional: the plan's description, else its name, stands in.
 */
export type RunWork = ({ prompt: string; plan?: PlanInput } | { prompt?: string; plan: PlanInput }) & RunInputs;

/** What {@link createRun} takes: the work, and the settings it runs with. */
export type CreateRunOptions = RunSettings & RunWork;

/** What {@link startRun} takes. */
export type StartRunOptions = CreateRunOptions & DriveOptions;

/** What {@link resumeRun} takes: the run, and any settings to change. */
export interface ResumeRunOptions extends RunSettings, DriveOptions {
  runId: string;
  /**
   * Have this settled node's subtree done again (`arbor resume RUN --from-node NODE`), with every
   * node that depends on it and the ancestors that roll up again; every other completed node is
   * kept. A completed run may be resumed so. Each re-opened node records a `redo` transition.
   */
  fromNode?: string;
  /** Who asks for the redo, in its transitions' reason; default: this user's name. */
  by?: string;
}

/** A run stored and checked, ready to be driven by this process (or left to workers). */
export interface ReadyRun {
  /** The run as stored. */
  readonly run: Run;
  /** Things to tell the user once at start, e.g. a role limited below `--concurrency` by its agent file. */
  readonly notices: readonly string[];
  /** Takes the run (its lock) and starts driving it. */
  start(options?: DriveOptions): Promise<RunHandle>;
  /** Leaves a new run to workers without driving it here: ends its trace span, if it is traced (no-op once started). */
  leave(): void;
}

/** A new run as the caller describes it, without the store it goes into. */
export type RunSpec = Omit<RunSettings, 'store'> & RunWork;

/** A new run checked and ready to be stored. */
export interface CheckedRun {
  /** Stores the run and its root node; nothing is driven until `start()` (or a worker takes it). */
  create(store: Store): Promise<ReadyRun>;
}

/**
 * Checks everything a new run needs (prompt, notes, agent files, templates, models, limits) before
 * anything is stored or even opened: a problem throws a {@link UsageError}.
 */
export async function checkRun(spec: RunSpec): Promise<CheckedRun> {
  if (spec.plan === undefined && spec.params !== undefined && Object.keys(spec.params).length > 0)
    throw new UsageError('params are set, but no plan takes them', { hint: 'pass --plan FILE with --set' });
  const plan = spec.plan === undefined ? null : await readPlan(spec.plan, spec.params ?? {});
  const prompt = (spec.prompt ?? '').trim() || (plan ? plan.plan.description.trim() || plan.plan.name : '');
  if (prompt === '')
    throw new UsageError('the prompt is empty', {
      hint: 'pass --prompt "what to build", e.g. --prompt "Build a todo app"',
    });
  const notes = await notesFrom(spec.notes ?? []);
  const llm = llmOf(spec);
  const prepared = await prepareAgents({
    agentsDir: spec.agents,
    promptsDir: spec.prompts,
    llm,
    model: spec.model,
    agentFiles: plan?.agentFiles,
  });
  const limits = checkLimits(spec.limits ?? {}, defaultLimits);
  checkCostLimit(limits.maxCostUsd, prepared.modelFor);
  if (plan) {
    checkStepAgents(plan.plan.steps, prepared, limits.maxCostUsd);
    checkPlanFits(plan.plan.steps, { notePaths: notes.map((note) => note.ref.path), maxDepth: limits.maxDepth });
  }
  return {
    async create(store) {
      // The run's span starts with the run, so that workers of a detached run find it stored.
      const tracing = spec.trace
        ? RunTracing.open({ trace: spec.trace, kind: 'start', parent: null, prompt })
        : null;
      let created;
      try {
        created = await storeNewRun({
          store,
          prompt,
          notes: notes.map((note) => note.ref),
          llm,
          agentsDir: prepared.agentsDir,
          promptsDir: prepared.promptsDir,
          limits,
          outDir: spec.outDir === undefined ? null : path.resolve(spec.outDir),
          trace: tracing?.stored ?? null,
          ...(plan ? { plan: runPlanOf(plan) } : {}),
          ...(spec.detach ? { detached: true } : {}),
          // A tick's run has the tick's own id, so that a tick started again is never two runs.
          ...(spec.schedule ? { schedule: spec.schedule, id: scheduledRunId(spec.schedule.name, spec.schedule.tick) } : {}),
        });
      } catch (error) {
        tracing?.end({ error });
        throw error;
      }
      const { run } = created;
      tracing?.identify(run.id);
      let started = false;
      return {
        run,
        notices: roleLimitNotices(prepared.agents, limits.concurrency),
        start: (drive = {}) => {
          // The run's span goes to the first drive only.
          const owned = started ? null : tracing;
          started = true;
          return RunHandle.take({
            store,
            run,
            prepared,
            notes: notes.map((note) => note.text),
            outDir: outputFolder(run),
            reopenFailed: false,
            providerConcurrency: spec.providerConcurrency,
            drive,
            tracing: owned,
          });
        },
        // Once started, the drive owns the span.
        leave: () => {
          if (!started) tracing?.end({ left: true });
        },
      };
    },
  };
}

/**
 * Stores a new run after checking everything it needs (see {@link checkRun}): a problem throws a
 * {@link UsageError} and nothing is stored. The run is not driven until `start()` (or a worker takes it).
 */
export async function createRun(options: CreateRunOptions): Promise<ReadyRun> {
  return (await checkRun(options)).create(options.store);
}

/** Creates a run and drives it in this process: the handle reports, asks and controls. */
export async function startRun(options: StartRunOptions): Promise<RunHandle> {
  return (await createRun(options)).start(options);
}

/**
 * Checks a stored run and what a resume changes (llm, agents, limits, output folder), without
 * taking it: `start()` takes the run, stores the changes and drives it from where it stopped.
 */
export async function prepareResume(options: ResumeRunOptions): Promise<ReadyRun> {
  const stored = await getRun(options.store, options.runId);
  if (options.fromNode !== undefined) {
    const nodes = await options.store.listNodes(stored.id);
    await refuseWorkedRun(options.store, stored, nodes);
    const refusal = redoRefusal(new TreeState(nodes), stored.id, options.fromNode);
    if (refusal) throw redoRefused(stored.id, options.fromNode, refusal);
  } else {
    if (stored.status === 'completed')
      throw new StateConflictError(`run ${stored.id} is already completed`, {
        runId: stored.id,
        hint: `see its results with: arbor tree ${stored.id} (or do part of it again: arbor resume ${stored.id} --from-node NODE)`,
        httpHint: `see its results: GET /v1/runs/${stored.id}/tree`,
      });
    await refuseWorkedRun(options.store, stored);
  }
  const redo =
    options.fromNode === undefined
      ? undefined
      : { nodeId: options.fromNode, reason: `resumed from node ${options.fromNode} by ${options.by ?? personName()}` };
  const llm = options.model || options.llm ? llmOf(options) : stored.llm;
  const prepared = await prepareAgents({
    agentsDir: options.agents ?? stored.agentsDir,
    promptsDir: options.prompts ?? stored.promptsDir,
    llm,
    model: options.model,
    agentFiles: stored.plan?.agents,
  });
  const limits = checkLimits(options.limits ?? {}, stored.limits);
  checkCostLimit(limits.maxCostUsd, prepared.modelFor);
  // A new output folder is kept on the run, like new limits, for the resumes after this one.
  const outDir = options.outDir === undefined ? stored.outDir : path.resolve(options.outDir);
  const notes = await rereadNotes(stored);
  const patch: RunPatch = { llm, limits, ...(options.outDir === undefined ? {} : { outDir }) };
  return {
    run: stored,
    notices: roleLimitNotices(prepared.agents, limits.concurrency),
    leave: () => undefined,
    start: (drive = {}) => {
      // A run traced before: this drive's span joins its trace. One that was not: its trace starts here.
      const tracing = options.trace
        ? RunTracing.open({
            trace: options.trace,
            kind: 'resume',
            parent: stored.trace ?? null,
            runId: stored.id,
            prompt: stored.prompt,
          })
        : null;
      const trace = stored.trace ? null : (tracing?.stored ?? null);
      return RunHandle.take({
        store: options.store,
        run: stored,
        patch: trace ? { ...patch, trace } : patch,
        tracing,
        prepared,
        notes,
        outDir: outputFolder({ id: stored.id, outDir }),
        reopenFailed: stored.status === 'failed' || stored.status === 'cancelled',
        ...(redo ? { redo } : {}),
        providerConcurrency: options.providerConcurrency,
        drive,
      });
    },
  };
}

/** Continues a stored run in this process from its stored state, with the settings it started with. */
export async function resumeRun(options: ResumeRunOptions): Promise<RunHandle> {
  return (await prepareResume(options)).start(options);
}

/** Everything {@link RunHandle.take} needs. */
interface TakeOptions {
  store: Store;
  run: Run;
  /** Changes to the stored run, applied only once this process holds it. */
  patch?: RunPatch;
  prepared: PreparedAgents;
  notes: readonly NoteText[];
  outDir: string;
  reopenFailed: boolean;
  /** `resume --from-node`: what to do again (checked again once this process holds the run). */
  redo?: RedoRequest;
  providerConcurrency: Readonly<Record<string, number>> | undefined;
  drive: DriveOptions;
  /** The drive's spans, when the run is traced; ended when the drive is over. */
  tracing: RunTracing | null;
}

/**
 * A run this process drives. Driving begins on the next turn of the event loop, so listeners set up
 * right after `await startRun(…)` see every event. `done` settles once the drive is over and the run
 * is released: with the outcome, or the error that stopped it.
 */
export class RunHandle {
  /** The run's outcome once this drive is over (completed, failed, cancelled, or awaiting approval). */
  readonly done: Promise<RunOutcome>;
  private readonly queues = new Set<EventQueue<EngineEvent>>();
  private cancelReason: string | null = null;
  private over = false;

  private constructor(
    private readonly engine: RunEngine,
    /** The run as it was when this process took it. */
    readonly run: Run,
    private readonly store: Store,
    private readonly owner: string,
    release: () => Promise<void>,
    cancelPollMs: number,
    private readonly tracing: RunTracing | null,
  ) {
    this.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.drive(release, cancelPollMs),
    );
    // The caller may never look at `done`; an error is still reported to whoever awaits it.
    this.done.catch(() => undefined);
  }

  /** Takes the run's lock, applies the patch and builds the engine (not yet driving). */
  static async take(options: TakeOptions): Promise<RunHandle> {
    const { store, drive, tracing } = options;
    const owner = drive.owner ?? `${hostname()}:${process.pid}`;
    let lock;
    try {
      lock = await store.acquireRun(options.run.id, owner);
    } catch (error) {
      tracing?.end({ error });
      throw error;
    }
    let handle: RunHandle | undefined;
    try {
      const run = options.patch ? await store.updateRun(options.run.id, options.patch) : options.run;
      const engine = new RunEngine(
        {
          store,
          run,
          agents: options.prepared.agents,
          templates: options.prepared.templates,
          modelFor: options.prepared.modelFor,
          stepAgent: options.prepared.stepAgent,
          notes: options.notes,
          owner,
          waitForApprovals: drive.waitForApprovals ?? true,
          outDir: options.outDir,
          reopenFailed: options.reopenFailed,
          ...(options.redo ? { redo: options.redo } : {}),
          providerConcurrency: options.providerConcurrency,
          lost: lock.lost,
          tracer: tracing ?? undefined,
          onEvent: (event) => {
            drive.onEvent?.(event);
            for (const queue of handle?.queues ?? []) queue.push(event);
          },
        },
        await store.listNodes(run.id),
      );
      tracing?.watch((nodeId) => engine.state.get(nodeId));
      handle = new RunHandle(
        engine,
        run,
        store,
        owner,
        () => lock.release(),
        drive.cancelPollMs ?? 500,
        tracing,
      );
      return handle;
    } catch (error) {
      tracing?.end({ error });
      await lock.release().catch(() => undefined);
      throw error;
    }
  }

  /** The run's id. */
  get runId(): string {
    return this.run.id;
  }

  /**
   * The run document as this drive last wrote or read it: its status lags a cancel made from
   * another process by up to the cancel poll (half a second by default).
   */
  currentRun(): Run {
    return this.engine.run;
  }

  /**
   * The run once this drive has stored it as driven (`running`), or as it is when the drive ended
   * before that: what to tell someone who just asked for the run to go on.
   */
  async started(): Promise<Run> {
    await Promise.race([this.engine.opened, this.done.catch(() => undefined)]);
    return this.currentRun();
  }

  /** The nodes as this process sees them now. */
  nodes(): TaskNode[] {
    return [...this.engine.state.values()];
  }

  /** One node as this process sees it now. */
  node(nodeId: string): TaskNode | undefined {
    return this.engine.state.get(nodeId);
  }

  /** Nodes waiting for a person's decision now. */
  approvals(): PendingApproval[] {
    return pendingApprovals(this.engine.state.values());
  }

  /**
   * The engine's events from now until the drive is over, in order. Each call gives an iterator of
   * its own; one taken right after `startRun` sees every event.
   */
  events(): AsyncIterableIterator<EngineEvent> {
    const queue = new EventQueue<EngineEvent>(() => this.queues.delete(queue));
    if (this.over) queue.end();
    else this.queues.add(queue);
    return queue;
  }

  /** Decides a node that waits; throws a {@link UsageError} when it does not wait for this decision. */
  async decide(nodeId: string, input: DecisionInput): Promise<void> {
    const node = this.engine.state.get(nodeId);
    if (!node) throw unknownNode(this.runId, nodeId);
    const decision = checkDecision(node, input);
    const result = await this.engine.decide(nodeId, decision);
    if (!result.success)
      throw new StateConflictError(result.error, {
        runId: this.runId,
        nodeId,
        hint: `see what still waits with: arbor approve ${this.runId}`,
        httpHint: `see what still waits: GET /v1/runs/${this.runId}/approvals`,
      });
  }

  /**
   * Stops starting new work; calls in flight may finish for `graceMs`. The run ends cancelled and can
   * be resumed; with `leaveOpen` it is left `running` (or `awaiting_approval`) instead, for the next
   * `resume` or `arbor serve` to take up, as `serve` does on SIGTERM.
   */
  stop(reason: string, graceMs?: number, options: { leaveOpen?: boolean } = {}): void {
    this.engine.stop(reason, graceMs, options);
  }

  /** Cancels the run: no new work, then unfinished nodes become `cancelled` (resume reopens them). */
  cancel(reason = `cancelled by ${personName()}`): Promise<RunOutcome> {
    this.cancelReason ??= reason;
    this.engine.stop(reason);
    return this.done;
  }

  private async drive(release: () => Promise<void>, cancelPollMs: number): Promise<RunOutcome> {
    let failed = false;
    const watcher = this.watchForCancel(cancelPollMs);
    try {
      let outcome = await this.engine.drive().finally(() => clearInterval(watcher));
      if (this.cancelReason !== null) {
        await cancelStoredRun({
          store: this.store,
          runId: this.runId,
          actor: this.owner,
          reason: this.cancelReason,
        });
        outcome = { ...outcome, run: (await this.store.getRun(this.runId)) ?? outcome.run };
      }
      this.tracing?.end({ status: outcome.status, message: outcome.stopReason?.message });
      return outcome;
    } catch (error) {
      failed = true;
      this.tracing?.end({ error });
      throw error;
    } finally {
      this.over = true;
      for (const queue of this.queues) queue.end();
      this.queues.clear();
      // After a failure (often the store itself), releasing is best effort: its own error must not
      // replace the one that stopped the run. A lease left behind expires, or dies with this process.
      await release().catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
  }

  /**
   * Notices `arbor cancel` from another process: it marks the stored run cancelled, and this drive
   * stops starting work. Only a cancel written after this drive began counts (a cancelled run being
   * resumed starts out cancelled).
   */
  private watchForCancel(pollMs: number): NodeJS.Timeout {
    const since = new Date().toISOString();
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.cancelReason !== null) return;
      busy = true;
      this.store
        .getRun(this.runId)
        .then((run) => {
          if (
            run?.status === 'cancelled' &&
            run.stopReason?.kind === 'cancelled' &&
            run.updatedAt > since &&
            this.cancelReason === null
          ) {
            this.cancelReason = run.stopReason.message;
            this.engine.stop(this.cancelReason);
          }
        })
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, pollMs);
    timer.unref();
    return timer;
  }

  /** Why the run was cancelled (here or by another process), or null. */
  get cancelledBecause(): string | null {
    return this.cancelReason;
  }
}

/** The run's `llm` setting: a custom model is recorded by name, so a resume knows to ask for it. */
function llmOf(options: Pick<RunSettings, 'llm' | 'model'>): string {
  if (options.model) {
    const named = typeof options.model === 'function' ? null : options.model;
    return named ? `custom:${named.provider}:${named.modelId}` : 'custom';
  }
  return resolveLlmSpec(options.llm);
}

/** The error for a `--from-node` the run cannot do again: an unknown node (404) or one not settled (409). */
function redoRefused(runId: string, nodeId: string, refusal: RedoRefusal): UsageError {
  if (refusal.kind === 'unknown') return unknownNode(runId, nodeId);
  return new StateConflictError(refusal.message, {
    runId,
    nodeId,
    hint: `resume without --from-node to let it finish, or pick a settled node from: arbor tree ${runId}`,
    httpHint: `resume without fromNode to let it finish, or pick a settled node from: GET /v1/runs/${runId}/tree`,
  });
}

/** Limits over `base`, checked: a bad value throws a {@link UsageError} naming the limit. */
function checkLimits(limits: Partial<Limits>, base: Limits): Limits {
  const parsed = limitsSchema.strict().safeParse({ ...base, ...limits });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = Object.keys(limitsSchema.shape);
    // `maxCost` for `maxCostUsd`: a prefix is as good a guess as a near spelling.
    const guess = known.find((name) => name.toLowerCase().startsWith(key.toLowerCase())) ?? didYouMean(key, known);
    throw new UsageError(`unknown limit "${key}"`, {
      hint: guess ? `did you mean "${guess}"? The limits are: ${known.join(', ')}` : `the limits are: ${known.join(', ')}`,
    });
  }
  const field = issue.path.join('.') || '(limits)';
  throw new UsageError(`limit ${field} is invalid: ${issue.message}`, {
    hint: `give ${field} a positive number (see the limits in the README)`,
  });
}

async function notesFrom(inputs: readonly NoteInput[]): Promise<Array<{ text: NoteText; ref: NoteRef }>> {
  const files = inputs.filter((input): input is string => typeof input === 'string');
  const texts = inputs.filter(
    (input): input is { name: string; content: string } => typeof input !== 'string',
  );
  const read = await readNotes(files);
  const inline = inlineNotes(texts);
  // Keep the caller's order.
  return inputs.map((input) => (typeof input === 'string' ? read.shift()! : inline.shift()!));
}
