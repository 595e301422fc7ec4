import type { Collection, Db } from 'mongodb';
import type { ModelCall, Run } from '../../domain/index.js';
import type { EventDocument, NodeDocument } from './event-document.js';

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

/** A stored run: the run itself plus the lease of the process that drives it. */
export type RunDocument = Run & { driver?: RunDriver | null };

/** The collections of an Arbor database (DESIGN §4). */
export interface MongoCollections {
  runs: Collection<RunDocument>;
  nodes: Collection<NodeDocument>;
  events: Collection<EventDocument>;
  /** Model calls: the prompt each role was sent and its answer. */
  calls: Collection<ModelCall>;
}

/** The collections of the Arbor database `db`. */
export function mongoCollections(db: Db): MongoCollections {
  return {
    runs: db.collection<RunDocument>('runs'),
    nodes: db.collection<NodeDocument>('nodes'),
    events: db.collection<EventDocument>('events'),
    calls: db.collection<ModelCall>('calls'),
  };
}
