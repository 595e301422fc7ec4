import type {
  BudgetName,
  Decision,
  Limits,
  ModelCall,
  NodeEvent,
  NodePatch,
  Result,
  Run,
  RunPatch,
  RunStatus,
  NodeStatus,
  TaskNode,
  Usage,
  WorkerStatus,
  Schedule,
  SchedulePatch,
  TickClaim,
} from '../domain/index.js';
import type { ListRunsOptions } from './list-runs-options.js';

/** Options of {@link Store.updateRun}. */
export interface UpdateRunOptions {
  /** Leave a run in one of these statuses as it is. */
  unlessStatus?: readonly RunStatus[];
}

/** Options of {@link Store.updateNode}. */
export interface UpdateNodeOptions {
  runId: string;
  nodeId: string;
  /** The version the caller read; the write fails with `ConflictError` if another writer moved on. */
  expectedVersion: number;
  /** Must include the node's new version: `expectedVersion` plus one per event (one without events). */
  patch: NodePatch;
  /**
   * The transition events that explain the write, oldest first, stored with it in the same atomic
   * write. Each event is one version of the node (e.g. `deps-met` and `start` together move a
   * pending node from version v to v + 2); a write without events moves it one version.
   */
  events?: readonly NodeEvent[];
  /**
   * The caller's copy of the node at `expectedVersion`. A store may answer it with the patch
   * applied instead of reading the node back.
   */
  current?: TaskNode;
}

/** A decision a person recorded that the engine has not applied yet. */
export interface PendingDecision {
  nodeId: string;
  decision: Decision;
}

/** The right to drive one run; other processes may still read it and record decisions. */
export interface RunLock {
  /**
   * Aborted, with a `RunTakenOverError` as its reason, once this process learns that another one
   * took the run over: a MongoDB lease that lapsed while this process could not renew it, or an
   * embedded lock file that went untouched so long that another host took it for stale. The store
   * then refuses this process's writes of the run; its drive must stop.
   */
  readonly lost: AbortSignal;
  /** Lets the run go (nothing to do once it is lost). */
  release(): Promise<void>;
}

/** Options of {@link Store.renewLease}. */
export interface RenewLeaseOptions {
  runId: string;
  nodeId: string;
  /** The token of the lease being renewed: a node claimed since by someone else is left alone. */
  token: string;
  expiresAt: string;
}

/** Options of {@link Store.reserveBudget}: one model call about to start in a shared run. */
export interface ReserveBudgetOptions {
  runId: string;
  limits: Pick<Limits, 'maxCalls' | 'maxTokens' | 'maxCostUsd'>;
  /** The call's estimated input tokens, held until it settles. */
  tokens: number;
}

/** Whether a call fits the run's budgets; when not, the budget that is spent and the run as stored. */
export type BudgetReservation = { reserved: true } | { reserved: false; budget: BudgetName; run: Run };

/** Options of {@link Store.settleBudget}. */
export interface SettleBudgetOptions {
  runId: string;
  /** The tokens the reservation held. */
  tokens: number;
  /** What the call really used; null gives the reservation back (the call failed before using anything). */
  usage: Usage | null;
}

/** Options of {@link Store.listEventsAfter}. */
export interface EventsAfterOptions {
  /** At most this many events (default: all). */
  limit?: number;
  /**
   * MongoDB: also look for the events on the run's nodes (written with their node by a process whose
   * insert of them has not landed, or that died first). Costs a read of the run's nodes; the
   * embedded store has no such events and ignores it.
   */
  onNodes?: boolean;
}

/**
 * What this process knows of a run's event seqs that readers cannot see in the store yet (see
 * {@link Store.eventSeqsPending}).
 */
export interface PendingEventSeqs {
  /** The smallest seq this process gave an event whose node write is still on its way, or null. */
  writing: number | null;
  /** Seqs this process gave events whose write was refused: they will never be stored. */
  abandoned: ReadonlySet<number>;
}

/** What a store answers for a run none of whose seqs is pending. */
export const noPendingEventSeqs: PendingEventSeqs = { writing: null, abandoned: new Set() };

/**
 * What the engine and CLI need from persistence (DESIGN §4). Implemented by the embedded store
 * (files under `.arbor/`) and the MongoDB store; both pass `test/store-contract.ts`.
 */
export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  /** Where it stores, safe to print (no passwords). */
  readonly location: string;

  createRun(run: Run, root: TaskNode): Promise<void>;
  getRun(runId: string): Promise<Run | null>;
  /** Runs newest first (the larger id first on a tie): all of them, or those `options` asks for. */
  listRuns(options?: ListRunsOptions): Promise<Run[]>;
  /**
   * Patches the run and answers it as stored. With `unlessStatus`, a run in one of those statuses is
   * left as it is and answered unchanged, in the same step (a cancel must not land on a run that
   * just completed).
   */
  updateRun(runId: string, patch: RunPatch, options?: UpdateRunOptions): Promise<Run>;

  /**
   * Inserts children in one round trip; nodes whose id already exists are left as they are. `events`
   * are each node's events from its creation (version 0) on, oldest first: a node may be inserted
   * already moved on (a child started at once is stored `running` at version 1).
   */
  insertNodes(nodes: readonly TaskNode[], events?: readonly NodeEvent[]): Promise<void>;
  getNode(runId: string, nodeId: string): Promise<TaskNode | null>;
  /** Every node of a run, ordered by depth then order. */
  listNodes(runId: string): Promise<TaskNode[]>;
  /** How many nodes of the run are in each status (statuses with none left out): a header's counts without reading the tree. */
  countNodes(runId: string): Promise<Partial<Record<NodeStatus, number>>>;
  /** Conditional write: throws `ConflictError` unless the stored version is `expectedVersion`. */
  updateNode(options: UpdateNodeOptions): Promise<TaskNode>;

  /** The events of a run, or of one node, in the order they were written (without their `seq`). */
  listEvents(runId: string, nodeId?: string): Promise<NodeEvent[]>;
  /**
   * The run's events whose `seq` is greater than `after`, in seq order, each with its `seq`. A seq is
   * an event's place in its run (from 1), given when the store takes the event; readers read on from
   * the last seq they hold. Embedded: the place in the journal, dense (1, 2, 3, …), each listing a
   * prefix of the next. MongoDB: given in the order of the writes (a counter on the run document,
   * held in blocks by the process that drives the run and reserved per write by workers of a shared
   * run), with gaps where a write was refused or its writer died holding seqs; an event may turn up
   * after a later one is listed (its write was slower): see {@link eventSeqsPending}. Includes the
   * events this process wrote whose insert into `events` is not acknowledged yet; events stored
   * before seqs existed have none and are left out.
   */
  listEventsAfter(runId: string, after: number, options?: EventsAfterOptions): Promise<NodeEvent[]>;
  /**
   * The run's seqs that this process gave out but readers cannot list yet (writes on their way) or
   * ever (writes refused). Read it before {@link listEventsAfter}: a reader that does never takes a
   * gap below `writing` for one that will not be filled.
   */
  eventSeqsPending(runId: string): PendingEventSeqs;
  /**
   * The earliest `at` of the run's events whose write this process has started and not seen
   * acknowledged yet, or null: events older than it are all listed by now (those of this process).
   */
  eventsWrittenUntil(runId: string): string | null;

  /** Stores one model call (prompt and answer, already capped in size) for `arbor show`. */
  recordCall(call: ModelCall): Promise<void>;
  /** The model calls of a run, or of one node, in the order they started. */
  listCalls(runId: string, nodeId?: string): Promise<ModelCall[]>;

  /**
   * Records a decision on a node that awaits approval, from any process. Fails (without throwing)
   * when the node is not waiting, the round is not the current one, or it was already decided.
   */
  recordDecision(runId: string, nodeId: string, decision: Decision): Promise<Result<void>>;
  /** Recorded decisions whose node still awaits approval at that round. */
  pendingDecisions(runId: string): Promise<PendingDecision[]>;

  /**
   * Nodes of a run whose `updatedAt` is later than `since`: how workers sharing a run keep their copy
   * of the tree fresh without reading it whole. `known` answers the version the caller already holds
   * of a node, if any: nodes it holds at that version or newer are left out, unread.
   */
  listNodesUpdatedSince(
    runId: string,
    since: string,
    known?: (nodeId: string) => number | undefined,
  ): Promise<TaskNode[]>;
  /**
   * Extends a node's lease if it still carries `token`, without bumping `version` (so the holder's
   * next conditional write still matches). False when the lease is gone or was taken over.
   */
  renewLease(options: RenewLeaseOptions): Promise<boolean>;

  /**
   * Holds one call against the run's call, token and cost budgets, atomically for every process
   * working the run: calls in flight can overshoot a budget by at most themselves.
   */
  reserveBudget(options: ReserveBudgetOptions): Promise<BudgetReservation>;
  /** Settles a reservation: adds the call's usage to the run's `usage` and releases what it held. */
  settleBudget(options: SettleBudgetOptions): Promise<void>;

  /** Runs that are running or awaiting approval and that no process holds with `acquireRun`: work for workers. */
  listOpenRuns(): Promise<Run[]>;
  /**
   * Open runs whose holder is gone without letting go: a process that died holding the run (on this
   * host), or a MongoDB lease that ran out. Not those that were never held or were let go (a run
   * created and not yet started, one a CLI left waiting for approval).
   */
  listOrphanedRuns(): Promise<Run[]>;
  /** Records a worker's heartbeat (replacing its previous one). */
  heartbeat(worker: WorkerStatus): Promise<void>;
  /** Forgets a worker that stopped. */
  removeWorker(workerId: string): Promise<void>;
  /** Workers whose heartbeat is not older than `withinMs`, by id. */
  listWorkers(withinMs: number): Promise<WorkerStatus[]>;

  /**
   * Takes the run for this process; throws `UsageError` naming the holder if it is live elsewhere.
   * While it is held, writes of the run confirm the hold first when it may have lapsed, and throw
   * `RunTakenOverError` once it is lost (see {@link RunLock.lost}).
   */
  acquireRun(runId: string, owner: string): Promise<RunLock>;

  /** Stores a new schedule (issue 16); throws `UsageError` when one of that name exists. */
  addSchedule(schedule: Schedule): Promise<void>;
  getSchedule(name: string): Promise<Schedule | null>;
  /** Every schedule, by name. */
  listSchedules(): Promise<Schedule[]>;
  /** Changes a schedule (`lastTick` only forward); null when there is none of that name. */
  updateSchedule(name: string, patch: SchedulePatch): Promise<Schedule | null>;
  /** Forgets a schedule; false when there was none of that name. */
  removeSchedule(name: string): Promise<boolean>;
  /**
   * Claims one tick of a schedule for this process, atomically across every process on the store
   * (see `applyTickClaim`): the schedule as claimed, or null when another process claimed that tick
   * (or a later one) first, the schedule is paused, or it is gone. Exactly one claim of a tick wins.
   */
  claimScheduleTick(name: string, claim: TickClaim): Promise<Schedule | null>;

  close(): Promise<void>;
}
