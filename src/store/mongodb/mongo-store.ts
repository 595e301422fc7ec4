import { isDeepStrictEqual } from 'node:util';
import {
  MongoBulkWriteError,
  ObjectId,
  type Collection,
  type Document,
  type MongoClient,
  type OptionalUnlessRequiredId,
  type WriteError,
} from 'mongodb';
import {
  ConflictError,
  decisionsFor,
  err,
  ok,
  StoreError,
  type Approval,
  type Decision,
  type ModelCall,
  type NodeEvent,
  type NodePatch,
  type Result,
  type Run,
  type RunPatch,
  type TaskNode,
  type WorkerStatus,
} from '../../domain/index.js';
import { parseEvent, parseModelCall, parseNode, parseNodePatch, parseRun } from '../read-documents.js';
import { parseRunPatch } from './parse-run-patch.js';
import type {
  BudgetReservation,
  PendingDecision,
  RenewLeaseOptions,
  ReserveBudgetOptions,
  RunLock,
  SettleBudgetOptions,
  Store,
  UpdateNodeOptions,
} from '../store.js';
import { acquireRunLease, type RunLease } from './acquire-run-lease.js';
import { reserveRunBudget, settleRunBudget } from './budget-counters.js';
import { eventDocumentId, type EventDocument, type NodeDocument } from './event-document.js';
import { GroupCommit } from './group-commit.js';
import type { MongoCollections } from './mongo-collections.js';
import { retryTransient } from './retry-transient.js';
import { WorkerRegistry } from './worker-registry.js';

/** Options of the {@link MongoStore} constructor; `openMongoStore` fills them in. */
export interface MongoStoreOptions {
  client: MongoClient;
  collections: MongoCollections;
  /** The redacted URI and database, safe to print. */
  location: string;
  /** How long transient failures (lost connection, election) are retried before a `StoreError`. */
  retryForMs: number;
  /** Length of a run lease; renewed at a third of it while held. */
  leaseMs: number;
}

/** Duplicate key: the document is already there. */
const duplicateKey = 11000;

/** Projection that leaves out MongoDB's `_id` and the run lease, which are not part of Arbor's documents. */
const withoutId = { _id: 0 } as const;
const runFields = { _id: 0, driver: 0, committed: 0 } as const;
/** A node without `_id` and `lastEvent` (see {@link NodeDocument}): Arbor's node. */
const nodeFields = { _id: 0, lastEvent: 0 } as const;

/**
 * The MongoDB store (DESIGN §4): one document per run, node and event in the `runs`, `nodes` and
 * `events` collections. Concurrency rests on single-document conditional updates (node `version`,
 * the approval round, the run lease), never on transactions, so it runs on any MongoDB or Atlas tier.
 * A node's status and the event that explains it are one write (the node's `lastEvent`), so a crash
 * between that write and the event's own insert loses no event. That insert therefore need not hold
 * up the caller: events and model calls go out in group commits (see {@link GroupCommit}), and a
 * node's next event-bearing write waits until the event it replaces as `lastEvent` is stored.
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly location: string;
  readonly #client: MongoClient;
  readonly #collections: MongoCollections;
  readonly #retryForMs: number;
  readonly #leaseMs: number;
  readonly #leases = new Set<RunLease>();
  readonly #workers: WorkerRegistry;
  readonly #events: GroupCommit<EventDocument>;
  readonly #calls: GroupCommit<ModelCall & { _id: ObjectId }>;
  readonly #nodeWrites: GroupCommit<NodeWrite, NodeWriteResult>;
  /** Runs this process drives (holds the run lease of): no other process moves their nodes. */
  readonly #driving = new Set<string>();
  /** Event inserts not yet acknowledged, by node (see {@link MongoStore.#eventsStored}). */
  readonly #eventInserts = new Map<string, { stored: Promise<void>; error?: Error }>();
  #closed = false;

  constructor(options: MongoStoreOptions) {
    this.location = options.location;
    this.#client = options.client;
    this.#collections = options.collections;
    this.#retryForMs = options.retryForMs;
    this.#leaseMs = options.leaseMs;
    this.#workers = new WorkerRegistry(this.#collections.workers, (what, operation) =>
      this.#call(what, operation),
    );
    this.#events = new GroupCommit<EventDocument>({
      write: (events) =>
        this.#call(
          `recording ${events.length} events`,
          async () => {
            await this.#insertEvents(events);
            return [];
          },
          { runId: sharedRunId(events) },
        ),
    });
    this.#calls = new GroupCommit<ModelCall & { _id: ObjectId }>({
      write: (calls) =>
        this.#call(
          `recording ${calls.length} model calls`,
          async () => {
            await insertNew(this.#collections.calls, calls);
            return [];
          },
          { runId: sharedRunId(calls) },
        ),
      // Nobody waits on a stored call (the engine records them in the background).
      lingerMs: 50,
    });
    this.#nodeWrites = new GroupCommit({
      write: (writes) =>
        this.#call(`updating ${writes.length} nodes`, () => this.#writeNodes(writes), {
          runId: sharedRunId(writes),
        }),
    });
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
          await this.#collections.runs.insertOne({ ...valid, driver: null });
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

  async listRuns(): Promise<Run[]> {
    const documents = await this.#call('listing runs', () =>
      this.#collections.runs.find({}, { projection: runFields }).sort({ createdAt: -1, id: -1 }).toArray(),
    );
    return documents.map((document) => parseRun(document, `runs/${document.id}`));
  }

  async updateRun(runId: string, patch: RunPatch): Promise<Run> {
    const valid = parseRunPatch(patch, `update of run ${runId}`);
    const document = await this.#call(
      `updating run ${runId}`,
      () =>
        Object.keys(valid).length === 0
          ? this.#collections.runs.findOne({ id: runId }, { projection: runFields })
          : this.#collections.runs.findOneAndUpdate(
              { id: runId },
              { $set: valid },
              { returnDocument: 'after', projection: runFields },
            ),
      { runId },
    );
    if (!document) throw new StoreError(`run ${runId} does not exist`, { runId });
    return parseRun(document, `runs/${runId}`);
  }

  async insertNodes(nodes: readonly TaskNode[], events: readonly NodeEvent[] = []): Promise<void> {
    const validNodes = nodes.map((node) => parseNode(node, `new node ${node.id} of run ${node.runId}`));
    const validEvents = events.map((event) =>
      parseEvent(event, `event of node ${event.nodeId} in run ${event.runId}`),
    );
    const runId = nodes[0]?.runId ?? events[0]?.runId;
    const existing = new Set<string>();
    const documents = validEvents.map((event) => ({ _id: eventDocumentId(event, 0), ...event }));
    const creation = new Map(documents.map((document) => [document.nodeId, document]));
    if (nodes.length > 0) {
      await this.#call(
        `inserting ${nodes.length} nodes`,
        async () => {
          try {
            // Copies: the driver adds `_id` to the documents it inserts. Each node carries its
            // creation event, so that the event survives a crash before the events are inserted.
            const nodeDocuments: NodeDocument[] = validNodes.map((node) => ({
              ...node,
              lastEvent: creation.get(node.id) ?? null,
            }));
            await this.#collections.nodes.insertMany(nodeDocuments, { ordered: false });
          } catch (error) {
            const duplicates = onlyDuplicates(error);
            if (duplicates === null) throw error;
            for (const writeError of duplicates) {
              const node = validNodes[writeError.index];
              if (node) existing.add(node.id);
            }
          }
        },
        { runId },
      );
    }
    // Events of nodes that were already there were stored with them the first time.
    this.#recordEvents(documents.filter((event) => !existing.has(event.nodeId)));
  }

  async getNode(runId: string, nodeId: string): Promise<TaskNode | null> {
    const document = await this.#call(
      `reading node ${nodeId}`,
      () => this.#collections.nodes.findOne({ runId, id: nodeId }, { projection: nodeFields }),
      { runId, nodeId },
    );
    return document ? parseNode(document, `nodes/${runId}/${nodeId}`) : null;
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

  async updateNode(options: UpdateNodeOptions): Promise<TaskNode> {
    const { runId, nodeId, expectedVersion } = options;
    const source = `nodes/${runId}/${nodeId}`;
    const patch = parseNodePatch({ ...options.patch, version: expectedVersion + 1 }, source);
    const parsedEvent = options.event ? parseEvent(options.event, `event of ${source}`) : null;
    const event: EventDocument | null = parsedEvent && {
      _id: eventDocumentId(parsedEvent, expectedVersion + 1),
      ...parsedEvent,
    };
    if (event) await this.#eventsStored(runId, nodeId);

    if (options.current && this.#driving.has(runId)) {
      // This process drives the run, so the `lastEvent` this write replaces is one it wrote and
      // stored (see #eventsStored): a plain conditional update, grouped with the run's other writes.
      const [result = 'missing'] = await this.#nodeWrites.write([
        { runId, nodeId, expectedVersion, patch, set: event ? { ...patch, lastEvent: event } : patch },
      ]);
      if (result === 'missing')
        throw new StoreError(`node ${nodeId} of run ${runId} does not exist`, { runId, nodeId });
      if (result !== 'written') throw conflict(runId, nodeId, expectedVersion, result.found);
      if (event) this.#recordEvents([event]);
      return { ...options.current, ...patch };
    }

    // The event this write replaces as the node's `lastEvent`: stored again below (once, by its id),
    // in case the process that wrote it died before inserting it — another process may take the
    // node over before any repair (shared runs).
    let replaced: EventDocument | null = null;
    const document = await this.#call(
      `updating node ${nodeId}`,
      async (attempt) => {
        if (event) {
          // The event rides on the node's own write: a crash before its insert below loses nothing.
          const before = await this.#collections.nodes.findOneAndUpdate(
            { runId, id: nodeId, version: expectedVersion },
            { $set: { ...patch, lastEvent: event } },
            { returnDocument: 'before', projection: withoutId },
          );
          if (before) {
            const { lastEvent, ...node } = before;
            replaced = lastEvent ?? null;
            return { ...node, ...patch };
          }
        } else {
          const updated = await this.#collections.nodes.findOneAndUpdate(
            { runId, id: nodeId, version: expectedVersion },
            { $set: patch },
            { returnDocument: 'after', projection: nodeFields },
          );
          if (updated) return updated;
        }
        const current = await this.#collections.nodes.findOne(
          { runId, id: nodeId },
          { projection: nodeFields },
        );
        if (!current)
          throw new StoreError(`node ${nodeId} of run ${runId} does not exist`, { runId, nodeId });
        // A retried write whose first attempt landed but whose answer was lost finds its own patch.
        if (attempt > 1 && isPatched(current, patch)) return current;
        throw conflict(runId, nodeId, expectedVersion, current.version);
      },
      { runId, nodeId },
    );
    if (event) this.#recordEvents(replaced === null ? [event] : [replaced, event]);
    return parseNode(document, source);
  }

  async listEvents(runId: string, nodeId?: string): Promise<NodeEvent[]> {
    const filter = nodeId === undefined ? { runId } : { runId, nodeId };
    const [stored, unrecorded] = await this.#call(
      `listing the events of run ${runId}`,
      async () => {
        const events = await this.#collections.events.find(filter).sort({ at: 1, _id: 1 }).toArray();
        return [events, await this.#unrecordedEvents(runId, nodeId, events)] as const;
      },
      { runId, nodeId },
    );
    // A node's unrecorded event is its latest: after the stored ones of the same moment.
    const documents = unrecorded.length === 0 ? stored : [...stored, ...unrecorded].sort(byTime);
    return documents.map(({ _id, ...document }) =>
      parseEvent(document, `events/${runId}/${document.nodeId}`),
    );
  }

  async recordCall(call: ModelCall): Promise<void> {
    const valid = parseModelCall(call, `model call of node ${call.nodeId} in run ${call.runId}`);
    // Our own `_id`, so that an insert retried after a lost answer cannot store the call twice.
    await this.#calls.write([{ ...valid, _id: new ObjectId() }]);
  }

  async listCalls(runId: string, nodeId?: string): Promise<ModelCall[]> {
    const filter = nodeId === undefined ? { runId } : { runId, nodeId };
    const documents = await this.#call(
      `listing the model calls of run ${runId}`,
      () =>
        this.#collections.calls
          .find(filter)
          .sort({ startedAt: 1, _id: 1 })
          .project<ModelCall>(withoutId)
          .toArray(),
      { runId, nodeId },
    );
    return documents.map((document) => parseModelCall(document, `calls/${runId}/${document.nodeId}`));
  }

  async recordDecision(runId: string, nodeId: string, decision: Decision): Promise<Result<void>> {
    const kinds = (Object.keys(decisionsFor) as Approval['kind'][]).filter((kind) =>
      (decisionsFor[kind] as readonly string[]).includes(decision.action),
    );
    // Not a versioned write: the engine applies the decision later with one, and the conditions
    // (waiting, this round, undecided) make the first decision win.
    const written = await this.#call(
      `recording a decision on node ${nodeId}`,
      () =>
        this.#collections.nodes.updateOne(
          {
            runId,
            id: nodeId,
            status: 'awaiting_approval',
            'approval.round': decision.round,
            'approval.decision': null,
            'approval.kind': { $in: kinds },
          },
          { $set: { 'approval.decision': decision } },
        ),
      { runId, nodeId },
    );
    if (written.matchedCount === 1) return ok(undefined);
    const node = await this.getNode(runId, nodeId);
    return err(whyNotDecided(runId, nodeId, node, decision));
  }

  async pendingDecisions(runId: string): Promise<PendingDecision[]> {
    const documents = await this.#call(
      `listing decisions of run ${runId}`,
      () =>
        this.#collections.nodes
          .find(
            { runId, status: 'awaiting_approval', 'approval.decision': { $ne: null } },
            { projection: nodeFields },
          )
          .sort({ depth: 1, order: 1, id: 1 })
          .toArray(),
      { runId },
    );
    return documents
      .map((document) => parseNode(document, `nodes/${runId}/${document.id}`))
      .flatMap((node) => {
        const decision = node.approval?.decision;
        return decision && decision.round === node.approval?.round ? [{ nodeId: node.id, decision }] : [];
      });
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
    const now = new Date();
    const documents = await this.#call('listing open runs', () =>
      this.#collections.runs
        .find(
          {
            status: { $in: ['running', 'awaiting_approval'] },
            $or: [{ driver: null }, { 'driver.expiresAt': { $lte: now } }],
          },
          { projection: runFields },
        )
        .sort({ createdAt: 1, id: 1 })
        .toArray(),
    );
    return documents.map((document) => parseRun(document, `runs/${document.id}`));
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
    this.#leases.add(lease);
    try {
      // A run driven by one process counts its budgets in memory; shared budget counters left from
      // workers start again from the run's usage when workers next take it up.
      await this.#call(`resetting the budget counters of run ${runId}`, () =>
        this.#collections.runs.updateOne({ id: runId }, { $set: { committed: null } }),
      );
      // Before this driver moves any node (and replaces its `lastEvent`), store the events a
      // crashed driver wrote on its nodes but not yet in `events`.
      await this.#call(
        `recording the events of run ${runId} a stopped process left unrecorded`,
        async () => {
          const unrecorded = await this.#unrecordedEvents(runId, undefined, null);
          if (unrecorded.length > 0) await this.#insertEvents(unrecorded);
        },
        { runId },
      );
    } catch (error) {
      this.#leases.delete(lease);
      await lease.release().catch(() => lease.abandon());
      throw error;
    }
    this.#driving.add(runId);
    return {
      release: async () => {
        this.#driving.delete(runId);
        this.#leases.delete(lease);
        await lease.release();
      },
    };
  }

  /** Resolves once the event and model-call inserts queued so far are stored (or failed). */
  async settled(): Promise<void> {
    await Promise.all([this.#events.settled(), this.#calls.settled(), this.#nodeWrites.settled()]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.settled();
    const leases = [...this.#leases];
    this.#leases.clear();
    this.#driving.clear();
    // Best effort: a lease that cannot be released now expires on its own.
    await Promise.all(leases.map((lease) => lease.release().catch(() => lease.abandon())));
    this.#closed = true;
    await this.#client.close();
  }

  /**
   * The `lastEvent`s of a run's nodes (or of one node) that are not in `events`: written with their
   * node by a process that died before inserting them. `stored` is what the caller already read
   * from `events` for the same filter, or null to look them up.
   */
  async #unrecordedEvents(
    runId: string,
    nodeId: string | undefined,
    stored: readonly EventDocument[] | null,
  ): Promise<EventDocument[]> {
    const filter = nodeId === undefined ? { runId } : { runId, id: nodeId };
    const latest = (
      await this.#collections.nodes
        .find({ ...filter, lastEvent: { $type: 'object' } }, { projection: { _id: 0, lastEvent: 1 } })
        .toArray()
    ).flatMap((node) => (node.lastEvent ? [node.lastEvent] : []));
    if (latest.length === 0) return [];
    const ids = latest.map((event) => event._id);
    const known = new Set(
      stored !== null
        ? stored.map((event) => event._id)
        : (
            await this.#collections.events.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()
          ).map((event) => event._id),
    );
    return latest.filter((event) => !known.has(event._id));
  }

  /**
   * One round trip for many nodes' conditional updates. When some did not match, each of those is
   * read back: written after all (an earlier attempt of this write landed), moved on by another
   * writer, or missing.
   */
  async #writeNodes(writes: readonly NodeWrite[]): Promise<NodeWriteResult[]> {
    const result = await this.#collections.nodes.bulkWrite(
      writes.map(({ runId, nodeId, expectedVersion, set }) => ({
        updateOne: { filter: { runId, id: nodeId, version: expectedVersion }, update: { $set: set } },
      })),
      { ordered: false },
    );
    if (result.matchedCount === writes.length) return writes.map(() => 'written');
    return Promise.all(
      writes.map(async ({ runId, nodeId, patch }): Promise<NodeWriteResult> => {
        const current = await this.#collections.nodes.findOne(
          { runId, id: nodeId },
          { projection: nodeFields },
        );
        if (!current) return 'missing';
        return isPatched(current, patch) ? 'written' : { found: current.version };
      }),
    );
  }

  /** Inserts events by their derived `_id`s; ones already stored (a retry, a repair) are skipped. */
  #insertEvents(events: readonly EventDocument[]): Promise<void> {
    return insertNew(this.#collections.events, events);
  }

  /**
   * Queues the insert of events whose nodes already carry the latest of them as `lastEvent`, and
   * notes it per node for {@link MongoStore.#eventsStored}.
   */
  #recordEvents(events: readonly EventDocument[]): void {
    if (events.length === 0) return;
    const entry: { stored: Promise<void>; error?: Error } = { stored: Promise.resolve() };
    const keys = [...new Set(events.map((event) => nodeKey(event.runId, event.nodeId)))];
    entry.stored = this.#events.write(events).then(
      () => {
        for (const key of keys) if (this.#eventInserts.get(key) === entry) this.#eventInserts.delete(key);
      },
      (error: unknown) => {
        entry.error = error instanceof Error ? error : new StoreError(String(error));
      },
    );
    for (const key of keys) this.#eventInserts.set(key, entry);
  }

  /**
   * Waits until the node's events queued so far are stored: a write that replaces the node's
   * `lastEvent` must not be the only copy of the event before it. Throws (once) if their insert failed.
   */
  async #eventsStored(runId: string, nodeId: string): Promise<void> {
    const key = nodeKey(runId, nodeId);
    const entry = this.#eventInserts.get(key);
    if (!entry) return;
    await entry.stored;
    if (this.#eventInserts.get(key) === entry) this.#eventInserts.delete(key);
    if (entry.error !== undefined) throw entry.error;
  }

  #call<T>(
    what: string,
    operation: (attempt: number) => Promise<T>,
    context: { runId?: string; nodeId?: string } = {},
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(`the store at ${this.location} is closed`));
    return retryTransient(operation, {
      what,
      retryForMs: this.#retryForMs,
      where: this.location,
      ...context,
    });
  }
}

/** A conditional node update waiting for its group commit. */
interface NodeWrite {
  runId: string;
  nodeId: string;
  expectedVersion: number;
  /** Arbor's patch (to recognise the write once it landed). */
  patch: NodePatch;
  /** What is set: the patch, with the node's `lastEvent` when the write carries an event. */
  set: NodePatch & { lastEvent?: EventDocument };
}

/** Whether a node write landed; otherwise the version found instead, or that the node is gone. */
type NodeWriteResult = 'written' | 'missing' | { found: number };

function conflict(runId: string, nodeId: string, expected: number, found: number): ConflictError {
  return new ConflictError(
    `node ${nodeId} was changed by another writer (expected version ${expected}, found ${found})`,
    { runId, nodeId },
  );
}

/** The run of a group commit's documents when they all belong to one (for error messages). */
function sharedRunId(documents: ReadonlyArray<{ runId: string }>): string | undefined {
  const runId = documents[0]?.runId;
  return documents.every((document) => document.runId === runId) ? runId : undefined;
}

function nodeKey(runId: string, nodeId: string): string {
  return `${runId}\u0000${nodeId}`;
}

/**
 * Inserts documents that carry their own `_id`s; ones already stored (a retried insert, a repair)
 * are skipped. Inserts copies: the driver would otherwise add fields to the caller's documents.
 */
async function insertNew<D extends Document>(
  collection: Collection<D>,
  documents: readonly OptionalUnlessRequiredId<D>[],
): Promise<void> {
  try {
    await collection.insertMany(
      documents.map((document) => ({ ...document })),
      { ordered: false },
    );
  } catch (error) {
    if (onlyDuplicates(error) === null) throw error;
  }
}

/**
 * The write errors of a bulk insert that failed only on documents already stored, or null when it
 * failed otherwise — including a lost connection, which the driver also reports as a bulk write
 * error, without write errors.
 */
function onlyDuplicates(error: unknown): WriteError[] | null {
  if (!(error instanceof MongoBulkWriteError)) return null;
  const writeErrors = ([] as WriteError[]).concat(error.writeErrors);
  if (writeErrors.length === 0 || writeErrors.some((writeError) => writeError.code !== duplicateKey))
    return null;
  return writeErrors;
}

function byTime(a: EventDocument, b: EventDocument): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

function hasCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

function isPatched(node: TaskNode, patch: NodePatch): boolean {
  return Object.entries(patch).every(([key, value]) =>
    isDeepStrictEqual((node as Record<string, unknown>)[key], value),
  );
}

function whyNotDecided(runId: string, nodeId: string, node: TaskNode | null, decision: Decision): string {
  if (!node) return `node ${nodeId} of run ${runId} does not exist`;
  const approval = node.approval;
  if (node.status !== 'awaiting_approval' || !approval)
    return `node ${nodeId} is not waiting for approval (it is ${node.status})`;
  if (approval.round !== decision.round)
    return `decision for round ${decision.round} is stale: node ${nodeId} is at round ${approval.round}`;
  if (approval.decision)
    return `node ${nodeId} was already decided (${approval.decision.action} by ${approval.decision.by})`;
  const allowed: readonly string[] = decisionsFor[approval.kind];
  return `"${decision.action}" does not answer this ${approval.kind}; choose ${allowed.join(', ')}`;
}
