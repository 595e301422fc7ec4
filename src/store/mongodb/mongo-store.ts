import type { Collection, Document, MongoClient } from 'mongodb';
import {
  ConflictError,
  RunTakenOverError,
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
import type { ListRunsOptions } from '../list-runs-options.js';
import { parseNode, parseRun } from '../read-documents.js';
import { lockingWrites, type DocumentLocks } from './document-locks.js';
import { parseRunPatch } from './parse-run-patch.js';
import type {
  BudgetReservation,
  EventsAfterOptions,
  PendingDecision,
  PendingEventSeqs,
  RenewLeaseOptions,
  ReserveBudgetOptions,
  RunLock,
  SettleBudgetOptions,
  Store,
  UpdateNodeOptions,
  UpdateRunOptions,
} from '../store.js';
import { acquireRunLease, diedOnThisHost, type RunLease } from './acquire-run-lease.js';
import { reserveRunBudget, settleRunBudget } from './budget-counters.js';
import { CallLog } from './call-log.js';
import { pendingDecisions, recordDecision } from './decisions.js';
import { EventLog } from './event-log.js';
import { EventSeqs } from './event-seqs.js';
import { duplicateKey, hasCode } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';
import { nodeFields, NodeUpdates } from './node-updates.js';
import { retryTransient, type StoreCall } from './retry-transient.js';
import { WorkerRegistry } from './worker-registry.js';
import { MongoSchedules } from './mongo-schedules.js';
import { runFields, withoutFields } from './without-fields.js';

/** The run's fields and who holds it (`driver`), without MongoDB's own bookkeeping. */
const { driver: _driver, ...runFieldsWithDriver } = runFields;

/** Options of the {@link MongoStore} constructor; `openMongoStore` fills them in. */
export interface MongoStoreOptions {
  client: MongoClient;
  collections: MongoCollections;
  /** The per-document locks of a server without atomic updates (see `DocumentLocks`), or null. */
  locks: DocumentLocks | null;
  /** The redacted URI and database, safe to print. */
  location: string;
  /** How long transient failures (lost connection, election) are retried before a `StoreError`. */
  retryForMs: number;
  /** Length of a run lease; renewed at a third of it while held. */
  leaseMs: number;
}


/**
 * The MongoDB store (DESIGN §4): one document per run, node and event in the `runs`, `nodes` and
 * `events` collections. Concurrency rests on single-document conditional updates (node `version`,
 * the approval round, the run lease), never on transactions, so it runs on any MongoDB or Atlas tier.
 * A node's status and the event that explains it are one write (the node's `lastEvent`), so a crash
 * between that write and the event's own insert loses no event. That insert therefore need not hold
 * up the caller (see {@link EventLog}); model calls go out in group commits too, and so do the node
 * writes of the process that drives a run (see {@link NodeUpdates}).
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly location: string;
  readonly #client: MongoClient;
  readonly #collections: MongoCollections;
  readonly #locks: DocumentLocks | null;
  /** By run: the times of events whose node write is on its way (how many of each). */
  readonly #eventsInFlight = new Map<string, Map<string, number>>();
  readonly #retryForMs: number;
  readonly #leaseMs: number;
  /** The run leases this process holds, by run. */
  readonly #leases = new Map<string, RunLease>();
  readonly #workers: WorkerRegistry;
  readonly #events: EventLog;
  readonly #seqs: EventSeqs;
  readonly #calls: CallLog;
  readonly #nodeUpdates: NodeUpdates;
  readonly #schedules: MongoSchedules;
  /** Runs this process drives (holds the run lease of): no other process moves their nodes. */
  readonly #driving = new Set<string>();
  /** {@link MongoStore.#call} for the store's parts. */
  readonly #storeCall: StoreCall = (what, operation, context) => this.#call(what, operation, context);
  #closed = false;

  constructor(options: MongoStoreOptions) {
    this.location = options.location;
    this.#client = options.client;
    this.#collections = options.collections;
    this.#locks = options.locks;
    this.#retryForMs = options.retryForMs;
    this.#leaseMs = options.leaseMs;
    this.#workers = new WorkerRegistry(this.#collections.workers, this.#storeCall);
    this.#events = new EventLog(this.#collections, this.#storeCall);
    this.#seqs = new EventSeqs(this.#collections.runs, this.#storeCall);
    this.#calls = new CallLog(this.#collections.calls, this.#storeCall);
    this.#nodeUpdates = new NodeUpdates(this.#collections.nodes, this.#events, this.#storeCall, (runId) =>
      this.#fence(runId),
    );
    this.#schedules = new MongoSchedules(this.#collections.schedules, this.#storeCall);
  }

  async createRun(run: Run, root: TaskNode): Promise<void> {
    const valid = parseRun(run, `new run ${run.id}`);
    const validRoot = parseNode(root, `root node of new run ${run.id}`);
    if (validRoot.runId !== valid.id || validRoot.id !== valid.rootId)
      throw new StoreError(`node ${root.id} of run ${root.runId} is not the root of run ${run.id}`, {
        runId: run.id,
      });
    await this.#call(
      `creating run ${run.id}`,
      async (attempt) => {
        try {
          // eventSeq 0: its events get seqs from the start (a run without one predates them).
          await this.#collections.runs.insertOne({ ...valid, driver: null, eventSeq: 0 });
        } catch (error) {
          if (!hasCode(error, duplicateKey)) throw error;
          // A retry after a lost answer finds the run its first attempt wrote.
          if (attempt === 1)
            throw new StoreError(`run ${run.id} already exists`, { runId: run.id, cause: error });
        }
      },
      { runId: run.id },
    );
    await this.insertNodes([validRoot]);
  }

  async getRun(runId: string): Promise<Run | null> {
    const document = await this.#call(`reading run ${runId}`, () =>
      this.#collections.runs.findOne({ id: runId }, { projection: runFields }),
    );
    return document ? parseRun(document, `runs/${runId}`) : null;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<Run[]> {
    const { status, after, limit } = options;
    // MongoDB reads `limit(0)` as no limit.
    if (limit === 0) return [];
    const filter: Document = {
      ...(status === undefined ? {} : { status }),
      ...(after
        ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }] }
        : {}),
    };
    const documents = await this.#call('listing runs', () => {
      const found = this.#collections.runs.find(filter, { projection: runFields }).sort({ createdAt: -1, id: -1 });
      return (limit === undefined ? found : found.limit(limit)).toArray();
    });
    return documents.map((document) => parseRun(document, `runs/${document.id}`));
  }

  async updateRun(runId: string, patch: RunPatch, options: UpdateRunOptions = {}): Promise<Run> {
    const valid = parseRunPatch(patch, `update of run ${runId}`);
    await this.#held(runId);
    const unless = options.unlessStatus ?? [];
    const document = await this.#call(
      `updating run ${runId}`,
      async () => {
        const current = () => this.#collections.runs.findOne({ id: runId }, { projection: runFields });
        if (Object.keys(valid).length === 0) return current();
        // Checked at each attempt: one retried through an outage must not land once the run is lost.
        this.#fence(runId);
        const filter = unless.length === 0 ? { id: runId } : { id: runId, status: { $nin: [...unless] } };
        const updated = await this.#collections.runs.findOneAndUpdate(filter, { $set: valid }, { returnDocument: 'after' });
        // Not matched: in one of the statuses it is left in (or unknown, said below).
        if (!updated) return unless.length === 0 ? null : current();
        return withoutFields(updated, runFields);
      },
      { runId },
    );
    if (!document) throw new StoreError(`run ${runId} does not exist`, { runId });
    return parseRun(document, `runs/${runId}`);
  }

  insertNodes(nodes: readonly TaskNode[], events: readonly NodeEvent[] = []): Promise<void> {
    const runId = nodes[0]?.runId;
    return this.#writingEvents(runId, events, async () => {
      if (runId !== undefined) await this.#held(runId);
      // Events of other runs than the nodes' (no caller makes them) are stored without seqs.
      const sequenced =
        runId !== undefined && events.every((event) => event.runId === runId)
          ? await this.#seqs.assign(runId, events, this.#driving.has(runId))
          : events;
      await this.#settlingSeqs(runId, sequenced, async () => {
        const left = await this.#nodeUpdates.insert(nodes, sequenced);
        // Events of nodes that were there already (a resumed insert) are not stored again.
        if (runId !== undefined) this.#seqs.settle(runId, left, 'refused');
      });
    });
  }

  async getNode(runId: string, nodeId: string): Promise<TaskNode | null> {
    const document = await this.#call(
      `reading node ${nodeId}`,
      () => this.#collections.nodes.findOne({ runId, id: nodeId }, { projection: nodeFields }),
      { runId, nodeId },
    );
    return document ? parseNode(document, `nodes/${runId}/${nodeId}`) : null;
  }

  async countNodes(runId: string): Promise<Partial<Record<NodeStatus, number>>> {
    const groups = await this.#call(
      `counting the nodes of run ${runId}`,
      () =>
        this.#collections.nodes
          .aggregate<{ _id: NodeStatus; count: number }>([
            { $match: { runId } },
            { $group: { _id: '$status', count: { $sum: 1 } } },
          ])
          .toArray(),
      { runId },
    );
    return Object.fromEntries(groups.map((group) => [group._id, group.count]));
  }

  async listNodes(runId: string): Promise<TaskNode[]> {
    const documents = await this.#call(
      `listing the nodes of run ${runId}`,
      () =>
        this.#collections.nodes
          .find({ runId }, { projection: nodeFields })
          .sort({ depth: 1, order: 1, id: 1 })
          .toArray(),
      { runId },
    );
    return documents.map((document) => parseNode(document, `nodes/${runId}/${document.id}`));
  }

  updateNode(options: UpdateNodeOptions): Promise<TaskNode> {
    const { runId } = options;
    const driving = this.#driving.has(runId);
    return this.#writingEvents(runId, options.events ?? [], async () => {
      const held = this.#held(runId);
      if (held) await held;
      // Given at once while the driver's block of seqs lasts: seqs follow the order of the calls.
      const events = await this.#seqs.assign(runId, options.events ?? [], driving);
      return this.#settlingSeqs(runId, events, async () => {
        const behind = this.#insertsBehind();
        if (behind) await behind;
        return this.#nodeUpdates.update({ ...options, events }, driving);
      });
    });
  }

  eventSeqsPending(runId: string): PendingEventSeqs {
    return this.#seqs.pending(runId);
  }

  /** Runs a write of events with seqs; their seqs are abandoned if it was refused. */
  async #settlingSeqs<T>(runId: string | undefined, events: readonly NodeEvent[], write: () => Promise<T>): Promise<T> {
    if (runId === undefined) return write();
    try {
      const result = await write();
      this.#seqs.settle(runId, events, 'stored');
      return result;
    } catch (error) {
      // A refused write stored nothing; any other failure may have (a lost answer): its seqs may turn up.
      this.#seqs.settle(runId, events, error instanceof ConflictError ? 'refused' : 'stored');
      throw error;
    }
  }

  eventsWrittenUntil(runId: string): string | null {
    const times = this.#eventsInFlight.get(runId);
    if (!times || times.size === 0) return null;
    let earliest: string | null = null;
    for (const [at] of times) if (earliest === null || at < earliest) earliest = at;
    return earliest;
  }

  /** Runs a write that carries `events`, counting their times as in flight until it settles. */
  async #writingEvents<T>(runId: string | undefined, events: readonly NodeEvent[], write: () => Promise<T>): Promise<T> {
    if (runId === undefined || events.length === 0) return write();
    let times = this.#eventsInFlight.get(runId);
    if (!times) this.#eventsInFlight.set(runId, (times = new Map<string, number>()));
    const own = times;
    for (const event of events) own.set(event.at, (own.get(event.at) ?? 0) + 1);
    try {
      return await write();
    } finally {
      for (const event of events) {
        const left = (own.get(event.at) ?? 1) - 1;
        if (left === 0) own.delete(event.at);
        else own.set(event.at, left);
      }
      if (own.size === 0) this.#eventsInFlight.delete(runId);
    }
  }

  /**
   * Nobody waits for the inserts of events and model calls; when they fall behind, node writes wait
   * here until they caught up, so that they do not pile up in memory. Null when they are not behind.
   */
  #insertsBehind(): Promise<void> | null {
    const behind = this.#events.room() ?? this.#calls.room();
    return behind && behind.then(() => this.#insertsBehind() ?? undefined);
  }

  listEvents(runId: string, nodeId?: string): Promise<NodeEvent[]> {
    return this.#events.list(runId, nodeId);
  }

  listEventsAfter(runId: string, after: number, options?: EventsAfterOptions): Promise<NodeEvent[]> {
    return this.#events.after(runId, after, options);
  }

  async recordCall(call: ModelCall): Promise<void> {
    await this.#held(call.runId);
    return this.#calls.record(call);
  }

  listCalls(runId: string, nodeId?: string): Promise<ModelCall[]> {
    return this.#calls.list(runId, nodeId);
  }

  recordDecision(runId: string, nodeId: string, decision: Decision): Promise<Result<void>> {
    return recordDecision(this.#collections.nodes, this.#storeCall, { runId, nodeId, decision });
  }

  pendingDecisions(runId: string): Promise<PendingDecision[]> {
    return pendingDecisions(this.#collections.nodes, this.#storeCall, runId);
  }

  async listNodesUpdatedSince(
    runId: string,
    since: string,
    known: (nodeId: string) => number | undefined = () => undefined,
  ): Promise<TaskNode[]> {
    const documents = await this.#call(
      `listing the nodes of run ${runId} updated since ${since}`,
      async () => {
        // Ids and versions first: a worker polls often and already holds most of what changed.
        const versions = await this.#collections.nodes
          .find({ runId, updatedAt: { $gt: since } }, { projection: { _id: 0, id: 1, version: 1 } })
          .toArray();
        const wanted = versions
          .filter((node) => (known(node.id) ?? -1) < node.version)
          .map((node) => node.id);
        if (wanted.length === 0) return [];
        return this.#collections.nodes
          .find({ runId, id: { $in: wanted } }, { projection: nodeFields })
          .toArray();
      },
      { runId },
    );
    return documents.map((document) => parseNode(document, `nodes/${runId}/${document.id}`));
  }

  async renewLease(options: RenewLeaseOptions): Promise<boolean> {
    const { runId, nodeId, token, expiresAt } = options;
    // Neither `version` nor `updatedAt` moves: the holder's next conditional write must still match.
    const renewed = await this.#call(
      `renewing the lease of node ${nodeId}`,
      () =>
        this.#collections.nodes.updateOne(
          { runId, id: nodeId, 'lease.token': token },
          { $set: { 'lease.expiresAt': expiresAt } },
        ),
      { runId, nodeId },
    );
    return renewed.matchedCount === 1;
  }

  reserveBudget(options: ReserveBudgetOptions): Promise<BudgetReservation> {
    return reserveRunBudget(this.#collections.runs, options, (what, operation) =>
      this.#call(what, operation, { runId: options.runId }),
    );
  }

  settleBudget(options: SettleBudgetOptions): Promise<void> {
    return settleRunBudget(this.#collections.runs, options, (what, operation) =>
      this.#call(what, operation, { runId: options.runId }),
    );
  }

  async listOpenRuns(): Promise<Run[]> {
    const documents = await this.openRunDocuments('listing open runs', {
      $or: [{ driver: null }, { 'driver.expiresAt': { $lte: new Date() } }],
    });
    return documents.map((document) => parseRun(withoutFields(document, runFields), `runs/${document.id}`));
  }

  /** Open runs whose lease ran out, or whose holder died on this host. */
  async listOrphanedRuns(): Promise<Run[]> {
    const now = new Date();
    const documents = await this.openRunDocuments('listing orphaned runs', { driver: { $ne: null } });
    return documents
      .filter(({ driver }) => driver && (driver.expiresAt <= now || diedOnThisHost(driver)))
      .map((document) => parseRun(withoutFields(document, runFields), `runs/${document.id}`));
  }

  /** The documents of the open runs that `filter` also matches, oldest first, with their `driver`. */
  private openRunDocuments(what: string, filter: Document) {
    return this.#call(what, () =>
      this.#collections.runs
        .find({ status: { $in: ['running', 'awaiting_approval'] }, ...filter }, { projection: runFieldsWithDriver })
        .sort({ createdAt: 1, id: 1 })
        .toArray(),
    );
  }

  heartbeat(worker: WorkerStatus): Promise<void> {
    return this.#workers.heartbeat(worker);
  }

  removeWorker(workerId: string): Promise<void> {
    return this.#workers.remove(workerId);
  }

  listWorkers(withinMs: number): Promise<WorkerStatus[]> {
    return this.#workers.list(withinMs);
  }

  async acquireRun(runId: string, owner: string): Promise<RunLock> {
    const lease = await acquireRunLease({
      runs: this.#collections.runs,
      runId,
      owner,
      leaseMs: this.#leaseMs,
      call: (what, operation) => this.#call(what, operation, { runId }),
    });
    this.#leases.set(runId, lease);
    this.#seqs.forget(runId);
    try {
      // A run driven by one process counts its budgets in memory; shared budget counters left from
      // workers start again from the run's usage when workers next take it up.
      await this.#call(`resetting the budget counters of run ${runId}`, () =>
        this.#collections.runs.updateOne({ id: runId }, { $set: { committed: null } }),
      );
      // Before this driver moves any node (and replaces its `lastEvent`), store the events a
      // crashed driver wrote on its nodes but not yet in `events`.
      await this.#events.repair(runId);
      // A run stored before seqs: number its events before this driver gives out new ones.
      await this.#events.numberOld(runId);
      // Every seq reserved from now on is this driver's.
      const counter = await this.#call(`reading the event seqs of run ${runId}`, () =>
        this.#collections.runs.findOne({ id: runId }, { projection: { _id: 0, eventSeq: 1 } }),
      );
      this.#events.follow(runId, counter?.eventSeq ?? 0);
    } catch (error) {
      this.#leases.delete(runId);
      await lease.release().catch(() => lease.abandon());
      throw error;
    }
    this.#driving.add(runId);
    return {
      lost: lease.lost,
      release: async () => {
        this.#driving.delete(runId);
        this.#events.unfollow(runId);
        this.#leases.delete(runId);
        // Still holding the lease: nobody else reserved seqs since this driver's block.
        await this.#seqs.giveBack(runId).catch(() => this.#seqs.forget(runId));
        await lease.release();
      },
    };
  }

  addSchedule(schedule: Schedule): Promise<void> {
    return this.#schedules.add(schedule);
  }

  getSchedule(name: string): Promise<Schedule | null> {
    return this.#schedules.get(name);
  }

  listSchedules(): Promise<Schedule[]> {
    return this.#schedules.list();
  }

  updateSchedule(name: string, patch: SchedulePatch): Promise<Schedule | null> {
    return this.#schedules.update(name, patch);
  }

  removeSchedule(name: string): Promise<boolean> {
    return this.#schedules.remove(name);
  }

  claimScheduleTick(name: string, claim: TickClaim): Promise<Schedule | null> {
    return this.#schedules.claim(name, claim);
  }

  /**
   * Runs `operation` on a collection of the store's database, retrying transient failures like the
   * store's own calls. The seam for layers beside the engine that keep a collection of their own in
   * the same database (the service's webhook log); not part of {@link Store}. `atomicBy`: the fields
   * by which the operation's writes name their one document, so that they are atomic on FerretDB 1.x too.
   */
  useCollection<D extends Document, R>(
    name: string,
    what: string,
    operation: (collection: Collection<D>) => Promise<R>,
    options: { atomicBy?: readonly string[] } = {},
  ): Promise<R> {
    const plain = this.#client.db(this.#collections.runs.dbName).collection<D>(name);
    // On a server without atomic updates, conditional writes take the document's lock, as the store's own do.
    const collection = this.#locks && options.atomicBy ? lockingWrites(plain, this.#locks, options.atomicBy) : plain;
    return this.#call(what, () => operation(collection));
  }

  /** Resolves once the event and model-call inserts queued so far are stored (or failed). */
  async settled(): Promise<void> {
    await Promise.all([this.#events.settled(), this.#calls.settled(), this.#nodeUpdates.settled()]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.settled();
    const leases = [...this.#leases.values()];
    this.#leases.clear();
    this.#driving.clear();
    // Best effort: a lease that cannot be released now expires on its own.
    await Promise.all(leases.map((lease) => lease.release().catch(() => lease.abandon())));
    this.#closed = true;
    await this.#client.close();
  }

  /**
   * Before a write of a run this process holds: throws the `RunTakenOverError` once its lease is
   * lost, and confirms the lease first when it may have lapsed (renewals did not get through), so
   * that a driver cut off from MongoDB longer than its lease writes nothing until it knows the run
   * is still its own. Nothing (no await) while the lease surely lasts, the case of every write.
   */
  #held(runId: string): Promise<void> | undefined {
    this.#fence(runId);
    const lease = this.#leases.get(runId);
    if (!lease?.mayHaveLapsed()) return undefined;
    // `#call` confirms every lease that may have lapsed before it runs the operation.
    return this.#call(`confirming the lease of run ${runId}`, () => Promise.resolve().then(() => lease.lost.throwIfAborted()), {
      runId,
    });
  }

  /** Throws the `RunTakenOverError` of a run whose lease this process lost; nothing for any other run. */
  #fence(runId: string): void {
    this.#leases.get(runId)?.lost.throwIfAborted();
  }

  /**
   * The leases of this process that may have lapsed (renewals did not get through), confirmed with a
   * renewal each, or null when there are none (the case of nearly every call): a lease found lost is
   * told by its `lost` signal, and the fence refuses its run's writes.
   */
  #confirmLapsed(): Promise<void> | null {
    if (this.#leases.size === 0) return null;
    const lapsed = [...this.#leases.values()].filter((lease) => lease.mayHaveLapsed());
    if (lapsed.length === 0) return null;
    return Promise.all(
      lapsed.map((lease) =>
        lease.confirm().catch((error: unknown) => {
          if (!(error instanceof RunTakenOverError)) throw error;
        }),
      ),
    ).then(() => undefined);
  }

  #call<T>(
    what: string,
    operation: (attempt: number) => Promise<T>,
    context: { runId?: string; nodeId?: string } = {},
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(`the store at ${this.location} is closed`));
    // Before each attempt, the first or a retry through an outage (or one queued behind it): a
    // write must not go out for a run whose lease may have lapsed until the lease is confirmed.
    const attempt = (n: number): Promise<T> => {
      const confirming = this.#confirmLapsed();
      return confirming ? confirming.then(() => operation(n)) : operation(n);
    };
    return retryTransient(attempt, {
      what,
      retryForMs: this.#retryForMs,
      where: this.location,
      ...context,
    });
  }
}
