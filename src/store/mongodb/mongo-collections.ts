import type { Collection, Db } from 'mongodb';
import type { ModelCall, Run, WorkerStatus } from '../../domain/index.js';
import type { EventDocument, NodeDocument } from './event-document.js';
import type { ScheduleDocument } from './mongo-schedules.js';

/** Who drives a run, kept on the run document as a lease (see `acquireRunLease`). */
export interface RunDriver {
  owner: string;
  pid: number;
  host: string;
  /** Identifies this holding of the lease, so that only its holder renews or releases it. */
  token: string;
  acquiredAt: Date;
  expiresAt: Date;
}

/**
 * What a shared run has drawn on its budgets: calls and tokens settled plus those held by calls in
 * flight (see `reserveRunBudget`).
 */
export interface CommittedBudget {
  calls: number;
  tokens: number;
}

/**
 * A stored run: the run itself plus the lease of the process that drives it, the shared budget
 * counters and `eventSeq`, the last event seq reserved (see `EventSeqs`).
 */
export type RunDocument = Run & { driver?: RunDriver | null; committed?: CommittedBudget | null; eventSeq?: number };

/** The collections of an Arbor database (DESIGN §4). */
export interface MongoCollections {
  runs: Collection<RunDocument>;
  nodes: Collection<NodeDocument>;
  events: Collection<EventDocument>;
  /** Model calls: the prompt each role was sent and its answer. */
  calls: Collection<ModelCall>;
  /** Heartbeats of live workers (`arbor worker`). */
  workers: Collection<WorkerStatus>;
  /** Schedules of written plans (`arbor schedule`), by name. */
  schedules: Collection<ScheduleDocument>;
}

/** The collections of the Arbor database `db`. */
export function mongoCollections(db: Db): MongoCollections {
  return {
    runs: db.collection<RunDocument>('runs'),
    nodes: db.collection<NodeDocument>('nodes'),
    events: db.collection<EventDocument>('events'),
    calls: db.collection<ModelCall>('calls'),
    workers: db.collection<WorkerStatus>('workers'),
    schedules: db.collection<ScheduleDocument>('schedules'),
  };
}
