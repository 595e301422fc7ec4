import { hostname } from 'node:os';
import {
  cancelRun,
  checkRun,
  getRun,
  prepareResume,
  recordDecision,
  type DecisionInput,
  type ModelChoice,
  type RunHandle,
  type RunSpec,
  type TraceOptions,
} from '../api/index.js';
import { isOpenRun, StateConflictError, UsageError, type Decision, type Limits, type Run } from '../domain/index.js';
import type { EngineEvent } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { EndedRuns, type RunState } from './ended-runs.js';

/** Options of {@link ServiceRuns}. */
export interface ServiceRunsOptions {
  store: Store;
  /** Limits a run gets when its request sets none (`arbor serve --concurrency`). */
  defaultLimits?: Partial<Limits>;
  /** The model a run gets when its request names none (`arbor serve --llm`). */
  defaultLlm?: string;
  /** A model object of your own for runs whose request names no `llm` (embedding the service in code). */
  model?: ModelChoice;
  /** Every engine event of every run this process drives. */
  onEvent?: (run: Run, event: EngineEvent) => void;
  /** Lines about runs starting, ending and failing to resume. */
  log: (line: string) => void;
  /** Trace the runs this process drives (OpenTelemetry); unset: no spans. */
  trace?: TraceOptions;
  /**
   * How many nodes of runs whose drive here ended are kept in memory for reads, in all (default
   * 20,000; 0 keeps none): see {@link EndedRuns}.
   */
  keepEndedNodes?: number;
}

/** Nodes of ended runs kept for reads by default (a few tens of MB). */
export const defaultKeepEndedNodes = 20_000;

/** What a `POST /v1/runs` asks for. */
export type NewRunRequest = RunSpec;

/**
 * The runs `arbor serve` drives in its own process, each with its own limits: started, resumed,
 * decided and cancelled through the library API, as the CLI's commands are.
 */
export class ServiceRuns {
  readonly #options: ServiceRunsOptions;
  /** Each run this process drives: its handle, and the drive's end once the run is out of this map. */
  readonly #driving = new Map<string, { handle: RunHandle; ended: Promise<void> }>();
  readonly #owner = `serve:${hostname()}:${process.pid}`;
  readonly #ended: EndedRuns;
  #closing = false;
  #adopter: NodeJS.Timeout | null = null;
  #adopting = false;
  /** Open runs this process could not take up, told once each (see {@link adoptOpen}). */
  readonly #refused = new Set<string>();

  constructor(options: ServiceRunsOptions) {
    this.#options = options;
    this.#ended = new EndedRuns(options.keepEndedNodes ?? defaultKeepEndedNodes);
  }

  /** Runs this process drives now. */
  get driving(): number {
    return this.#driving.size;
  }

  /** True while this process drives the run. */
  drives(runId: string): boolean {
    return this.#driving.has(runId);
  }

  /**
   * A run this process drives and its nodes, as its engine holds them (every write of theirs went
   * through it), or null for a run it does not drive: a tree without reading the store. The run's
   * status may lag a cancel made from another process by the cancel poll (see
   * `RunHandle.currentRun`).
   */
  drivenState(runId: string): RunState | null {
    const handle = this.#driving.get(runId)?.handle;
    return handle ? { run: handle.currentRun(), nodes: handle.nodes() } : null;
  }

  /**
   * A run, with its nodes when this process knows them without reading every node from the store: a
   * run it drives ({@link drivenState}), or one whose drive here ended and that nobody has changed
   * since. Otherwise the stored run (`stored` when the caller has read it, else read once: a
   * `NotFoundError` for a run the store does not have) with `nodes: null`.
   */
  async state(runId: string, stored?: Run): Promise<RunState | { run: Run; nodes: null }> {
    const driven = this.drivenState(runId);
    if (driven) return driven;
    const run = stored ?? (await getRun(this.#options.store, runId));
    return (this.#ended.has(runId) ? this.#ended.current(run) : null) ?? { run, nodes: null };
  }

  /** Checks and stores a new run, and (unless detached) starts driving it. Nothing is stored for a bad one. */
  async create(request: NewRunRequest): Promise<Run> {
    this.refuseWhileClosing();
    const { store } = this.#options;
    if (request.detach && store.kind !== 'mongodb')
      throw new UsageError('"detach" leaves a run to arbor worker processes, which need the MongoDB store', {
        hint: 'leave out "detach" (the server drives the run), or start arbor serve with --store mongodb://…',
      });
    const checked = await checkRun({
      ...request,
      ...this.modelOf(request),
      limits: { ...this.#options.defaultLimits, ...request.limits },
      trace: this.#options.trace,
    });
    const ready = await checked.create(store);
    for (const notice of ready.notices) this.#options.log(`run ${ready.run.id}: ${notice}`);
    if (request.detach) ready.leave();
    else this.drive(await ready.start(this.driveOptions(ready.run)));
    return ready.run;
  }

  /** Continues a stored run in this process (as `arbor resume` would). */
  async resume(
    runId: string,
    changes: { llm?: string; limits?: Partial<Limits>; fromNode?: string } = {},
  ): Promise<Run> {
    this.refuseWhileClosing();
    const driven = this.#driving.get(runId);
    const current = driven?.handle.currentRun();
    if (current?.status === 'awaiting_approval')
      throw new StateConflictError(`run ${runId} is driven by this server and waits for decisions: nothing to resume`, {
        runId,
        hint: `decide what waits (GET /v1/runs/${runId}/approvals, then POST /v1/runs/${runId}/nodes/NODE/decision): the run goes on by itself`,
      });
    if (current && isOpenRun(current))
      throw new StateConflictError(`run ${runId} is already running in this server`, {
        runId,
        hint: `watch it: GET /v1/runs/${runId}/events/stream`,
      });
    // A drive whose run has ended (as GET /v1/runs/:run already shows) is storing that end: the
    // request is answered for the stored run once it has, not refused as running.
    await driven?.ended;
    const stored = await getRun(this.#options.store, runId);
    // A run started with the server's model object resumes with it (its `llm` only names it).
    const model = !changes.llm && stored.llm.startsWith('custom') ? this.#options.model : undefined;
    const ready = await prepareResume({
      store: this.#options.store,
      runId,
      ...changes,
      // A redo asked over HTTP is recorded as the API's, as its decisions are.
      ...(changes.fromNode === undefined ? {} : { by: 'api' }),
      ...(model ? { model } : {}),
      trace: this.#options.trace,
    });
    const handle = await ready.start(this.driveOptions(ready.run));
    this.drive(handle);
    return handle.started();
  }

  /** Records a person's decision: applied at once when this process drives the run, else by whoever does. */
  async decide(runId: string, nodeId: string, given: DecisionInput): Promise<Pick<Decision, 'action' | 'by'>> {
    // The server's own user did not decide: a request that names nobody is recorded as the API's.
    const input = { ...given, by: given.by ?? 'api' };
    const handle = this.#driving.get(runId)?.handle;
    if (handle && handle.node(nodeId)) {
      await handle.decide(nodeId, input);
      const decided = handle.node(nodeId)?.approval?.decision;
      return { action: input.action, by: decided?.by ?? input.by };
    }
    const decision = await recordDecision(this.#options.store, runId, nodeId, input);
    return { action: decision.action, by: decision.by };
  }

  /** Cancels a run: this process's drive stops it; a run driven elsewhere is told through the store. */
  async cancel(runId: string, options: { reason?: string; by?: string }) {
    const handle = this.#driving.get(runId)?.handle;
    if (handle) {
      const by = options.by ?? 'the service';
      const outcome = await handle.cancel(options.reason ?? `cancelled by ${by}`);
      return { outcome: 'cancelled' as const, status: outcome.run.status };
    }
    const outcome = await cancelRun(this.#options.store, runId, options);
    const status = outcome.kind === 'over' ? outcome.status : 'cancelled';
    return { outcome: outcome.kind, status };
  }

  /**
   * Takes up the store's open runs that no live process holds (`running` or `awaiting_approval`):
   * after a restart, the runs this server was driving go on where they stopped.
   */
  async resumeOpen(): Promise<string[]> {
    const resumed: string[] = [];
    // Every open run, held or not: taking one whose holder died on this host (a `kill -9` of the last
    // server) takes it over at once, as `arbor resume` does; a live holder keeps it.
    const open = (await this.#options.store.listRuns()).filter(isOpenRun);
    for (const run of open.reverse()) {
      const outcome = await this.takeUp(run);
      if (outcome === 'taken') resumed.push(run.id);
      // Held by a live process (a CLI run, a worker), or no longer resumable: leave it be.
      else if (outcome) this.#options.log(`run ${run.id} not resumed: ${outcome.message}`);
    }
    return resumed;
  }

  /**
   * Drives a stored open run here: 'taken', or why not (null: this process drives it already, or it
   * was left to workers, who take it though none has yet).
   */
  private async takeUp(run: Run): Promise<'taken' | Error | null> {
    if (this.#driving.has(run.id) || run.detached) return null;
    try {
      await this.resume(run.id);
      return 'taken';
    } catch (error) {
      return error as Error;
    }
  }

  /**
   * From now on, every `everyMs`, takes up the open runs whose holder is gone, as a restart would
   * ({@link adoptOpen}); `everyMs` 0: only those {@link resumeOpen} took at start.
   */
  adoptEvery(everyMs: number): void {
    if (everyMs <= 0 || this.#adopter) return;
    this.#adopter = setInterval(() => void this.adoptOpen(), everyMs);
    this.#adopter.unref();
  }

  /**
   * Takes up the open runs whose holder is gone without letting go (`Store.listOrphanedRuns`): a
   * server or CLI run that died on another host, once its MongoDB lease ran out (a container
   * replaced on a new host), or one that died on this host. Runs never held or let go are left
   * alone (one created and not started yet, one a CLI left waiting for approval); a restart takes
   * those up ({@link resumeOpen}). A run it cannot take is logged once, and tried again next time.
   * Returns the runs it took.
   */
  async adoptOpen(): Promise<string[]> {
    if (this.#closing || this.#adopting) return [];
    this.#adopting = true;
    const taken: string[] = [];
    try {
      for (const run of await this.#options.store.listOrphanedRuns()) {
        if (this.#closing) break;
        const outcome = await this.takeUp(run);
        if (outcome === 'taken') {
          taken.push(run.id);
          this.#refused.delete(run.id);
          this.#options.log(`run ${run.id}: taken up (its holder is gone)`);
        } else if (outcome && !this.#refused.has(run.id)) {
          this.#refused.add(run.id);
          this.#options.log(`run ${run.id} not taken up: ${outcome.message}`);
        }
      }
    } catch (error) {
      // The store did not answer: the next round tries again.
      this.#options.log(`looking for open runs to take up: ${(error as Error).message}`);
    } finally {
      this.#adopting = false;
    }
    return taken;
  }

  /** Stops starting work in every run, lets calls in flight finish for `graceMs`, and waits for the drives to end. */
  async close(graceMs = 5_000): Promise<void> {
    this.#closing = true;
    if (this.#adopter) clearInterval(this.#adopter);
    const handles = [...this.#driving.values()].map((driven) => driven.handle);
    // Left open: the next `arbor serve` on this store takes them up where they stopped.
    for (const handle of handles) handle.stop('the server is stopping', graceMs, { leaveOpen: true });
    await Promise.allSettled(handles.map((handle) => handle.done));
  }

  /** The request's model, else the server's model object, else its `--llm`. */
  private modelOf(request: NewRunRequest): Pick<RunSpec, 'llm' | 'model'> {
    if (request.model) return { model: request.model };
    if (request.llm) return { llm: request.llm };
    if (this.#options.model) return { model: this.#options.model };
    return { llm: this.#options.defaultLlm };
  }

  private driveOptions(run: Run) {
    return {
      owner: this.#owner,
      waitForApprovals: true,
      onEvent: (event: EngineEvent) => this.#options.onEvent?.(run, event),
    };
  }

  private drive(handle: RunHandle): void {
    const { runId } = handle;
    this.#options.log(`run ${runId}: driving`);
    this.#ended.forget(runId);
    const ended = handle.done
      .then(
        (outcome) => {
          // Open at the end of a drive here: left so by `close`, for the next server.
          const left = isOpenRun(outcome.run) ? ' (stopped; the next arbor serve goes on with it)' : '';
          this.#options.log(`run ${runId}: ${outcome.run.status}${left}`);
          // A cancel's node writes come after the engine stopped (`cancelStoredRun`): not its nodes.
          // Each read checks the kept run against the stored one (EndedRuns.current).
          if (outcome.run.status === 'completed' || outcome.run.status === 'failed')
            this.#ended.keep({ run: outcome.run, nodes: handle.nodes() });
        },
        (error: unknown) => this.#options.log(`run ${runId}: stopped by an error: ${(error as Error).message}`),
      )
      .finally(() => this.#driving.delete(runId));
    this.#driving.set(runId, { handle, ended });
  }

  private refuseWhileClosing(): void {
    if (this.#closing)
      throw new StateConflictError('the server is stopping and starts no new work', {
        hint: 'try again once arbor serve is back',
      });
  }
}
