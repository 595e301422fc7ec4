import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  countByStatus,
  isOpenRun,
  StoreError,
  type Decision,
  type ModelCall,
  type NodeEvent,
  type Result,
  type Run,
  type RunPatch,
  type NodeStatus,
  type TaskNode,
  type WorkerStatus,
  type Schedule,
  type SchedulePatch,
  type TickClaim,
} from '../../domain/index.js';
import { parseNode, parseRun } from '../read-documents.js';
import type {
  BudgetReservation,
  PendingDecision,
  RenewLeaseOptions,
  ReserveBudgetOptions,
  RunLock,
  SettleBudgetOptions,
  Store,
  UpdateNodeOptions,
  UpdateRunOptions,
  EventsAfterOptions,
  PendingEventSeqs,
} from '../store.js';
import { selectRuns, type ListRunsOptions } from '../list-runs-options.js';
import { noPendingEventSeqs } from '../store.js';
import { acquireRunLock, runLockState } from './acquire-run-lock.js';
import { EmbeddedBudgets } from './embedded-budgets.js';
import { EmbeddedRun } from './embedded-run.js';
import { EmbeddedSchedules } from './embedded-schedules.js';
import { prepareStoreDirectory } from './prepare-store-directory.js';
import { errorCode, storeIoError, storeWriteError } from './store-io-error.js';
import { withLockFile } from './with-lock-file.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Options of {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** `fsync` every write, to survive power loss as well as process death. Default: `ARBOR_FSYNC=1`. */
  fsync?: boolean;
  /** How often a held run's lock file is touched (default `lockRefreshMs`, 10 s). */
  lockRefreshMs?: number;
}

/** Run ids become directory names: no separators, no dot-dot. */
const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The zero set-up store (DESIGN §4): files under a directory, `runs/<runId>/` holding `run.json`
 * (replaced atomically), `journal.jsonl` (nodes and events, append-only), `decisions.jsonl` (what
 * people decided, from any process), `calls.jsonl` (model calls: prompts and answers) and `lock`.
 * Survives `kill -9` without losing completed writes.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded';
  private readonly runs = new Map<string, EmbeddedRun>();
  /** The run locks this process holds, by run. */
  private readonly locks = new Map<string, RunLock>();
  private readonly budgets: EmbeddedBudgets;
  /** Heartbeats of workers in this process: the embedded store is not shared by workers (they need MongoDB). */
  private readonly workers = new Map<string, WorkerStatus>();
  private closed = false;
  private readonly schedules: EmbeddedSchedules;

  private constructor(
    readonly location: string,
    private readonly fsync: boolean,
    private readonly lockRefreshMs: number | undefined,
  ) {
    this.schedules = new EmbeddedSchedules(location, fsync);
    this.budgets = EmbeddedBudgets.of(location);
  }

  /** Opens the store in `directory`; a missing directory is created by the first run, not here. */
  static open(directory: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    return settle(() => {
      const location = resolve(directory);
      prepareStoreDirectory(location);
      const fsync = options.fsync ?? ['1', 'true'].includes(process.env.ARBOR_FSYNC ?? '');
      return new EmbeddedStore(location, fsync, options.lockRefreshMs);
    });
  }

  /**
   * Creates the run under `runs/ID.create.lock` (the run lock's kind of file), so that of processes
   * sharing the folder that store one run id at once (a schedule's tick started again), one creates
   * it and the others find it there; a directory without `run.json` that nobody holds is what a
   * crash during a creation left, and is finished.
   */
  async createRun(run: Run, root: TaskNode): Promise<void> {
    const { valid, validRoot } = await this.use(() => {
      const checked = { valid: parseRun(run, `new run ${run.id}`), validRoot: parseNode(root, `root node of new run ${run.id}`) };
      if (checked.validRoot.runId !== checked.valid.id || checked.validRoot.id !== checked.valid.rootId)
        throw new StoreError(`node ${root.id} of run ${root.runId} is not the root of run ${run.id}`, {
          runId: run.id,
        });
      mkdirRuns(this.location, run.id);
      return checked;
    });
    const directory = this.runDirectory(valid.id);
    const lock = { path: `${directory}.create.lock`, id: valid.id, owner: 'create', what: `the creation of run ${valid.id}` };
    await withLockFile(lock, () => {
      this.createRunDirectory(valid.id, directory);
      const files =
        this.runs.get(valid.id) ?? EmbeddedRun.open(directory, valid.id, { create: true, fsync: this.fsync });
      if (!files) throw new StoreError(`cannot create the journal of run ${valid.id}`, { runId: valid.id });
      this.runs.set(valid.id, files);
      // The journal comes first: a run listed by its run.json always has its root.
      files.insertNodes([validRoot], []);
      this.writeRun(valid);
    });
  }

  getRun(runId: string): Promise<Run | null> {
    return this.use(() => this.readRun(runId));
  }

  listRuns(options?: ListRunsOptions): Promise<Run[]> {
    return this.use(() => {
      const runs: Run[] = [];
      for (const runId of this.runIds()) {
        const run = this.readRun(runId);
        if (run) runs.push(run);
      }
      return selectRuns(runs, options);
    });
  }

  updateRun(runId: string, patch: RunPatch, options: UpdateRunOptions = {}): Promise<Run> {
    return this.write(`updating run ${runId}`, runId, () =>
      this.patchRun(runId, (current) => (options.unlessStatus?.includes(current.status) ? null : patch)),
    );
  }

  /** Reads, patches and writes the run in one go (no other write of this process comes between). */
  private patchRun(runId: string, patchOf: (current: Run) => RunPatch | null): Run {
    const current = this.readRun(runId);
    if (!current) throw this.unknownRun(runId);
    const patch = patchOf(current);
    if (patch === null) return current;
    const next = parseRun(
      {
        ...current,
        ...withoutUndefined(patch),
        schemaVersion: current.schemaVersion,
        id: current.id,
        prompt: current.prompt,
        rootId: current.rootId,
        createdAt: current.createdAt,
      },
      `update of run ${runId}`,
    );
    this.writeRun(next);
    return next;
  }

  insertNodes(nodes: readonly TaskNode[], events: readonly NodeEvent[] = []): Promise<void> {
    return this.write(`inserting ${nodes.length} nodes`, nodes[0]?.runId ?? '', () => {
      const batches = new Map<string, { nodes: TaskNode[]; events: NodeEvent[] }>();
      for (const node of nodes) {
        const batch = batches.get(node.runId) ?? { nodes: [], events: [] };
        batch.nodes.push(node);
        batches.set(node.runId, batch);
      }
      for (const event of events) batches.get(event.runId)?.events.push(event);
      for (const [runId, batch] of batches) this.requireRun(runId).insertNodes(batch.nodes, batch.events);
    });
  }

  getNode(runId: string, nodeId: string): Promise<TaskNode | null> {
    return this.use(() => this.openRun(runId)?.getNode(nodeId) ?? null);
  }

  listNodes(runId: string): Promise<TaskNode[]> {
    return this.use(() => this.openRun(runId)?.listNodes() ?? []);
  }

  countNodes(runId: string): Promise<Partial<Record<NodeStatus, number>>> {
    return this.use(() => countByStatus(this.openRun(runId)?.listNodes() ?? []));
  }

  updateNode(options: UpdateNodeOptions): Promise<TaskNode> {
    return this.write(`updating node ${options.nodeId}`, options.runId, () =>
      this.requireRun(options.runId).updateNode(options),
    );
  }

  listEvents(runId: string, nodeId?: string): Promise<NodeEvent[]> {
    return this.use(() => this.openRun(runId)?.listEvents(nodeId) ?? []);
  }

  eventsWrittenUntil(): string | null {
    // Writes go into the journal before they return, in order: nothing is ever on its way.
    return null;
  }

  listEventsAfter(runId: string, after: number, options: EventsAfterOptions = {}): Promise<NodeEvent[]> {
    return this.use(() => this.openRun(runId)?.listEventsAfter(after, options.limit) ?? []);
  }

  eventSeqsPending(): PendingEventSeqs {
    // The journal's order is its seqs, and a write is in it before it returns: no seq is ever pending.
    return noPendingEventSeqs;
  }

  recordCall(call: ModelCall): Promise<void> {
    return this.write(`recording a model call of node ${call.nodeId}`, call.runId, () =>
      this.requireRun(call.runId).recordCall(call),
    );
  }

  listCalls(runId: string, nodeId?: string): Promise<ModelCall[]> {
    return this.use(() => this.openRun(runId)?.listCalls(nodeId) ?? []);
  }

  recordDecision(runId: string, nodeId: string, decision: Decision): Promise<Result<void>> {
    return this.write(`recording a decision on node ${nodeId}`, runId, () => {
      const run = this.openRun(runId);
      return run
        ? run.recordDecision(nodeId, decision)
        : { success: false, error: `no run ${runId} in ${this.location}` };
    });
  }

  pendingDecisions(runId: string): Promise<PendingDecision[]> {
    return this.use(() => this.openRun(runId)?.pendingDecisions() ?? []);
  }

  listNodesUpdatedSince(
    runId: string,
    since: string,
    known: (nodeId: string) => number | undefined = () => undefined,
  ): Promise<TaskNode[]> {
    return this.use(() =>
      (this.openRun(runId)?.listNodes() ?? []).filter(
        (node) => node.updatedAt > since && (known(node.id) ?? -1) < node.version,
      ),
    );
  }

  renewLease(options: RenewLeaseOptions): Promise<boolean> {
    return this.write(`renewing the lease of node ${options.nodeId}`, options.runId, () =>
      this.requireRun(options.runId).renewLease(options.nodeId, options.token, options.expiresAt),
    );
  }

  reserveBudget(options: ReserveBudgetOptions): Promise<BudgetReservation> {
    return this.use(() => {
      const run = this.readRun(options.runId);
      if (!run) throw this.unknownRun(options.runId);
      return this.budgets.reserve(run, options);
    });
  }

  async settleBudget(options: SettleBudgetOptions): Promise<void> {
    // Read and written at once: two engines of this process settling together both count.
    await this.write(`recording the usage of run ${options.runId}`, options.runId, () =>
      this.patchRun(options.runId, (run) => {
        const usage = this.budgets.settle(run, options.tokens, options.usage);
        return usage ? { usage } : null;
      }),
    );
  }

  listOpenRuns(): Promise<Run[]> {
    return this.openRunsWhose((lock) => lock !== 'held');
  }

  listOrphanedRuns(): Promise<Run[]> {
    return this.openRunsWhose((lock) => lock === 'orphaned');
  }

  heartbeat(worker: WorkerStatus): Promise<void> {
    return this.use(() => void this.workers.set(worker.id, { ...worker }));
  }

  removeWorker(workerId: string): Promise<void> {
    return this.use(() => void this.workers.delete(workerId));
  }

  listWorkers(withinMs: number): Promise<WorkerStatus[]> {
    const since = new Date(Date.now() - withinMs).toISOString();
    return this.use(() =>
      [...this.workers.values()]
        .filter((worker) => worker.heartbeatAt >= since)
        .sort((a, b) => compare(a.id, b.id)),
    );
  }

  acquireRun(runId: string, owner: string): Promise<RunLock> {
    return this.use(() => {
      if (!this.readRun(runId)) throw this.unknownRun(runId);
      const held = acquireRunLock({
        path: this.lockPath(runId),
        runId,
        owner,
        ...(this.lockRefreshMs === undefined ? {} : { refreshMs: this.lockRefreshMs }),
      });
      const lock: RunLock = {
        lost: held.lost,
        release: () => {
          if (this.locks.get(runId) === lock) this.locks.delete(runId);
          return held.release();
        },
      };
      this.locks.set(runId, lock);
      return lock;
    });
  }

  addSchedule(schedule: Schedule): Promise<void> {
    return this.use(() => this.schedules.add(schedule));
  }

  getSchedule(name: string): Promise<Schedule | null> {
    return this.use(() => this.schedules.get(name));
  }

  listSchedules(): Promise<Schedule[]> {
    return this.use(() => this.schedules.list());
  }

  async updateSchedule(name: string, patch: SchedulePatch): Promise<Schedule | null> {
    await this.use(() => undefined);
    return this.schedules.update(name, patch);
  }

  async removeSchedule(name: string): Promise<boolean> {
    await this.use(() => undefined);
    return this.schedules.remove(name);
  }

  async claimScheduleTick(name: string, claim: TickClaim): Promise<Schedule | null> {
    await this.use(() => undefined);
    return this.schedules.claim(name, claim);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.locks.values()].map((lock) => lock.release()));
    for (const run of this.runs.values()) run.close();
    this.runs.clear();
  }

  private use<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(`the store at ${this.location} is closed`));
    return settle(work);
  }

  /**
   * A write of an existing run: a disk that is full or stopped accepting writes becomes an error
   * that names the store and says how to continue (see `storeWriteError`).
   */
  private write<T>(doing: string, runId: string, work: () => T): Promise<T> {
    return this.use(() => {
      // A run another process took over from this one (its lock went stale) is no longer this one's to write.
      this.locks.get(runId)?.lost.throwIfAborted();
      try {
        return work();
      } catch (error) {
        throw storeWriteError(error, { location: this.location, doing, runId });
      }
    });
  }

  /** Open runs, oldest first, whose lock is in a state `keep` accepts. */
  private async openRunsWhose(keep: (lock: ReturnType<typeof runLockState>) => boolean): Promise<Run[]> {
    const runs = await this.listRuns();
    return runs.filter((run) => isOpenRun(run) && keep(runLockState(this.lockPath(run.id)))).reverse();
  }

  /** The run's lock file (see `acquireRunLock`). */
  private lockPath(runId: string): string {
    return join(this.runDirectory(runId), 'lock');
  }

  private runDirectory(runId: string): string {
    if (!runIdPattern.test(runId)) throw new StoreError(`"${runId}" is not a valid run id`, { runId });
    return join(this.location, 'runs', runId);
  }

  private createRunDirectory(runId: string, directory: string): void {
    try {
      mkdirSync(directory);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw storeIoError(error, `cannot create ${directory}`, { runId });
      // A directory without run.json is what a crash during createRun leaves: finish creating it.
      if (existsSync(join(directory, 'run.json')))
        throw new StoreError(`run ${runId} already exists in ${this.location}`, { runId });
    }
  }

  private runIds(): string[] {
    try {
      return readdirSync(join(this.location, 'runs'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && runIdPattern.test(entry.name))
        .map((entry) => entry.name);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT')
        throw storeIoError(error, `cannot list the runs in ${this.location}`);
      // No runs yet: the directory is created by the first run.
      return [];
    }
  }

  private readRun(runId: string): Run | null {
    if (!runIdPattern.test(runId)) return null;
    const path = join(this.runDirectory(runId), 'run.json');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw storeIoError(error, `cannot read ${path}`, { runId });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoreError(`${path} is corrupt: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        runId,
        hint: 'it was changed outside Arbor: restore it from a copy, or move that run folder out of the store to use the other runs',
      });
    }
    return parseRun(value, path);
  }

  private writeRun(run: Run): void {
    writeFileAtomic(join(this.runDirectory(run.id), 'run.json'), `${JSON.stringify(run, null, 2)}\n`, {
      fsync: this.fsync,
    });
  }

  private openRun(runId: string): EmbeddedRun | null {
    const cached = this.runs.get(runId);
    if (cached) return cached;
    if (!runIdPattern.test(runId)) return null;
    const run = EmbeddedRun.open(this.runDirectory(runId), runId, { create: false, fsync: this.fsync });
    if (run) this.runs.set(runId, run);
    return run;
  }

  private requireRun(runId: string): EmbeddedRun {
    const run = this.openRun(runId);
    if (!run) throw this.unknownRun(runId);
    return run;
  }

  private unknownRun(runId: string): StoreError {
    return new StoreError(`no run ${runId} in ${this.location}`, {
      runId,
      hint: 'list the runs with arbor runs',
    });
  }
}

/** Opens the embedded store in `directory` (created if missing); see {@link EmbeddedStore}. */
export function openEmbeddedStore(
  directory: string,
  options: EmbeddedStoreOptions = {},
): Promise<EmbeddedStore> {
  return EmbeddedStore.open(directory, options);
}

/** Creates the store's `runs` folder if it is missing. */
function mkdirRuns(location: string, runId: string): void {
  const folder = join(location, 'runs');
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw storeIoError(error, `cannot create ${folder}`, { runId });
  }
}

/** Runs synchronous work as a promise, so that what it throws becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
