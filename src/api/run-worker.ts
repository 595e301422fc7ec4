import { hostname } from 'node:os';
import path from 'node:path';
import {
  defaultLimits,
  isOpenRun,
  type AgentRole,
  type Run,
  type Schedule,
  type WorkerStatus,
  type WorkerTask,
} from '../domain/index.js';
import { RunEngine, type EngineEvent, type RunOutcome } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { outputFolder } from './output-folder.js';
import { prepareAgents } from './prepare-run.js';
import { rereadNotes } from './reread-notes.js';
import { roleLimitNotices } from './role-limit-notices.js';
import { RunTracing, type TraceOptions } from './run-tracing.js';
import { createRun } from './runs.js';
import { ScheduleRunner, scheduledRunSpec, type ScheduleRunnerOptions } from './schedule-runner.js';

/** Options of {@link runWorker}. */
export interface RunWorkerOptions {
  store: Store;
  /** This worker's name, unique among the workers of the database. */
  id: string;
  roles: readonly AgentRole[];
  /** Most LLM calls in flight per run this worker works on; default: the run's own `--concurrency`. */
  concurrency: number | null;
  leaseMs: number;
  /** Work only this run, and stop when it is over; null: any open run, until stopped. */
  runId: string | null;
  /** Overrides of the run's own settings. */
  llm: string | null;
  /**
   * `--out`: the output folder of the one run (`runId`); serving any run, the folder that holds one
   * folder per run (`DIR/RUN`), so that runs never write over each other's artifacts.
   */
  outDir: string | null;
  /** Most calls in flight per provider in this worker (`--provider-concurrency`), across its runs' roles. */
  providerConcurrency?: Readonly<Record<string, number>>;
  /** How long in-flight calls may run on after a stop before their nodes are released. */
  graceMs: number;
  /** Lines about the worker itself (joined, left, stopping). */
  print: (line: string) => void;
  /** Every engine event of every run the worker works on. */
  onEvent?: (runId: string, event: EngineEvent) => void;
  /** Resolves when the worker should stop (SIGTERM, SIGINT). */
  stopped: Promise<string>;
  /** How often to look for runs and to beat (default 1 s). */
  pollMs?: number;
  /** Trace the worker's part of each run (OpenTelemetry), joining the run's stored trace; unset: no spans. */
  trace?: TraceOptions;
  /**
   * Fire the store's schedules (`arbor schedule`), storing each tick's run for the workers to share;
   * false: not this worker (`--no-schedules`). A worker of one run (`runId`) fires none.
   */
  schedules?: false | Pick<ScheduleRunnerOptions, 'now' | 'sleep' | 'pollMs' | 'graceMs' | 'recoverAfterMs'>;
}

interface Working {
  run: Run;
  engine: RunEngine;
  done: Promise<RunOutcome | null>;
}

/**
 * `arbor worker`: takes part in every open run of the store (or one), claiming the nodes its roles
 * serve alongside the other workers, and beats a heartbeat that says what it is running. On stop it
 * claims nothing new, lets calls in flight finish for `graceMs`, releases what is left and leaves.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { store, print } = options;
  const startedAt = new Date().toISOString();
  const working = new Map<string, Working>();
  const calls = new Map<string, WorkerTask>();
  const refused = new Set<string>();
  let stopping: string | null = null;
  const pollMs = options.pollMs ?? 1_000;

  const beat = (): Promise<void> => {
    const status: WorkerStatus = {
      id: options.id,
      host: hostname(),
      pid: process.pid,
      roles: [...options.roles],
      concurrency: options.concurrency ?? defaultLimits.concurrency,
      startedAt,
      heartbeatAt: new Date().toISOString(),
      running: [...calls.values()],
    };
    return store.heartbeat(status);
  };

  const onEvent = (runId: string) => (event: EngineEvent) => {
    if (event.type === 'call-start')
      calls.set(`${runId}/${event.node.id}/${event.role}`, {
        runId,
        nodeId: event.node.id,
        role: event.role,
      });
    if (event.type === 'call-end') calls.delete(`${runId}/${event.node.id}/${event.role}`);
    options.onEvent?.(runId, event);
  };

  const join = async (run: Run): Promise<void> => {
    let prepared;
    let notes;
    try {
      const llm = options.llm ?? run.llm;
      prepared = await prepareAgents({
        agentsDir: run.agentsDir,
        promptsDir: run.promptsDir,
        llm,
        agentFiles: run.plan?.agents,
      });
      notes = await rereadNotes(run);
    } catch (error) {
      // Once per run: this machine cannot work it (a missing notes file, script or API key).
      refused.add(run.id);
      print(`worker ${options.id} cannot work run ${run.id}: ${(error as Error).message}`);
      return;
    }
    const concurrency = options.concurrency ?? run.limits.concurrency;
    const nodes = await store.listNodes(run.id);
    const tracing = options.trace ? await openWorkerTracing(store, run, options.id, options.trace) : null;
    const engine = new RunEngine(
      {
        store,
        run: { ...run, limits: { ...run.limits, concurrency } },
        agents: prepared.agents,
        templates: prepared.templates,
        modelFor: prepared.modelFor,
        stepAgent: prepared.stepAgent,
        notes,
        owner: options.id,
        waitForApprovals: true,
        outDir: outputFolder(
          run,
          options.outDir === null || options.runId !== null
            ? options.outDir
            : path.join(options.outDir, run.id),
        ),
        providerConcurrency: options.providerConcurrency,
        onEvent: onEvent(run.id),
        tracer: tracing ?? undefined,
        shared: { workerId: options.id, roles: options.roles, leaseMs: options.leaseMs },
      },
      nodes,
    );
    tracing?.watch((nodeId) => engine.state.get(nodeId));
    print(`worker ${options.id} joined run ${run.id} (${options.roles.join(', ')}; ${concurrency} calls at a time)`);
    roleLimitNotices(prepared.agents, concurrency).forEach((line) => print(`worker ${options.id}: ${line}`));
    const done = engine.drive().then(
      (outcome) => {
        tracing?.end({ status: outcome.status, message: outcome.stopReason?.message });
        print(
          `worker ${options.id} left run ${run.id}: ${outcome.status}${outcome.stopReason ? ` (${outcome.stopReason.message})` : ''}`,
        );
        return outcome;
      },
      (error: unknown) => {
        tracing?.end({ error });
        print(`worker ${options.id} left run ${run.id} after an error: ${(error as Error).message}`);
        return null;
      },
    );
    working.set(run.id, { run, engine, done });
    void done.then(() => working.delete(run.id));
    if (stopping !== null) engine.stop(stopping, options.graceMs);
  };

  let toldHeld = false;
  const look = async (): Promise<boolean> => {
    const { runId } = options;
    // A named run: the worker leaves once it is over, and joins it once no process drives it alone.
    if (runId !== null && !(await isUnfinished(store, runId))) return working.size > 0;
    const open = await store.listOpenRuns();
    const runs = runId === null ? open : open.filter((run) => run.id === runId);
    if (runId !== null && runs.length === 0 && !toldHeld) {
      toldHeld = true;
      print(`worker ${options.id}: run ${runId} is driven by a process of its own; waiting until it stops`);
    }
    for (const run of runs)
      if (!working.has(run.id) && !refused.has(run.id) && stopping === null) await join(run);
    return true;
  };

  const schedules =
    options.schedules === false || options.runId !== null
      ? null
      : new ScheduleRunner({
          ...options.schedules,
          store,
          log: (line) => print(`worker ${options.id}: ${line}`),
          start: (schedule, tick) => startScheduledRun(options, schedule, tick),
        });

  await beat();
  schedules?.start();
  print(
    `worker ${options.id} started (${store.kind} store at ${store.location}; roles ${options.roles.join(', ')})`,
  );
  void options.stopped.then((reason) => {
    stopping = reason;
    void schedules?.stop();
    print(
      `worker ${options.id} stopping (${reason}): no new claims; calls in flight get ${Math.round(options.graceMs / 1000)} s`,
    );
    for (const { engine } of working.values()) engine.stop(reason, options.graceMs);
  });
  let wake: (() => void) | null = null;
  void options.stopped.then(() => wake?.());
  const ticker = setInterval(
    () => void beat().catch(() => undefined),
    Math.min(pollMs, Math.max(options.leaseMs / 3, 50)),
  );
  try {
    while (stopping === null) {
      if (!(await look())) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs);
      });
    }
    await Promise.all([...working.values()].map((entry) => entry.done));
  } finally {
    await schedules?.stop();
    clearInterval(ticker);
    await store.removeWorker(options.id).catch(() => undefined);
  }
  print(`worker ${options.id} stopped`);
}

/** Stores the run of a schedule's tick and leaves it to the workers (this one among them), as `run --detach` does. */
async function startScheduledRun(options: RunWorkerOptions, schedule: Schedule, tick: string): Promise<string> {
  const spec = scheduledRunSpec(schedule, tick);
  const llm = spec.llm ?? options.llm ?? undefined;
  const ready = await createRun({
    ...spec,
    store: options.store,
    detach: true,
    ...(llm === undefined ? {} : { llm }),
    ...(options.trace ? { trace: options.trace } : {}),
  });
  ready.leave();
  return ready.run.id;
}

/** True while the run exists and is not over (it may still be driven by a process of its own). */
async function isUnfinished(store: Store, runId: string): Promise<boolean> {
  const run = await store.getRun(runId);
  return run !== null && isOpenRun(run);
}

/**
 * The worker's spans in a run: under the run's stored trace, or (a run stored untraced) a trace of
 * its own, stored on the run for the processes that come after when none was stored meanwhile.
 */
async function openWorkerTracing(
  store: Store,
  run: Run,
  workerId: string,
  trace: TraceOptions,
): Promise<RunTracing> {
  const tracing = RunTracing.open({
    trace,
    kind: 'worker',
    parent: run.trace ?? null,
    runId: run.id,
    prompt: run.prompt,
    workerId,
  });
  const stored = tracing.stored;
  if (!run.trace && stored) {
    // Best effort: a trace is worth a lot less than the run, and two workers may race here.
    const fresh = await store.getRun(run.id).catch(() => null);
    if (fresh && !fresh.trace) await store.updateRun(run.id, { trace: stored }).catch(() => undefined);
  }
  return tracing;
}
