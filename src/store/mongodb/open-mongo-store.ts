import { MongoClient, MongoError, type Db } from 'mongodb';
import { UsageError } from '../../domain/index.js';
import { DocumentLocks, hasAtomicUpdates, withDocumentLocks, type LockDocument } from './document-locks.js';
import { ensureIndexes } from './ensure-indexes.js';
import { mongoCollections, type MongoCollections } from './mongo-collections.js';
import { MongoStore } from './mongo-store.js';
import { parseMongoUri } from './parse-mongo-uri.js';
import { redactUri } from './redact-uri.js';
import { retryTransient } from './retry-transient.js';

/** Options of {@link openMongoStore}. */
export interface OpenMongoStoreOptions {
  /** The database; default: the one in the URI's path, else `arbor`. */
  dbName?: string;
  /** How long one attempt looks for a server, at open and mid-run (default 5 s, or `retryForMs` if shorter). */
  serverSelectionTimeoutMS?: number;
  /** How long transient failures mid-run are retried before a `StoreError` (default 60 s). */
  retryForMs?: number;
  /** Length of a run lease (default 30 s). */
  leaseMs?: number;
  /**
   * Whether writes to runs and nodes take per-document locks (see `DocumentLocks`); default: only
   * on a server without atomic single-document updates (FerretDB 1.x, see `hasAtomicUpdates`).
   */
  documentLocks?: boolean;
}

/** The database Arbor uses when neither the URI nor the options name one. */
export const defaultDatabaseName = 'arbor';

const hint = 'check MONGODB_URI or --store, and that the server is running and reachable';

/**
 * Connects to MongoDB, checks that it answers, creates the indexes and returns the store. A bad or
 * unreachable URI is a `UsageError` (exit status 2) naming the hosts, never the password.
 * Connects without `serverApi`, which the CI test server does not speak.
 */
export async function openMongoStore(uri: string, options: OpenMongoStoreOptions = {}): Promise<MongoStore> {
  const parts = parseMongoUri(uri);
  const shown = redactUri(uri);
  if (!parts)
    throw new UsageError(`not a MongoDB URI: ${shown}`, {
      hint: 'use mongodb://HOST[:PORT][/DATABASE] or mongodb+srv://…',
    });
  const databaseName = options.dbName ?? parts.database ?? defaultDatabaseName;
  const where = parts.hosts.join(',');
  const scrub = (message: string): string =>
    parts.password ? message.split(parts.password).join('***') : message;

  const retryForMs = options.retryForMs ?? 60_000;
  let client: MongoClient;
  try {
    client = new MongoClient(uri, {
      // One attempt never waits longer than the whole retry window, so a short window is honoured.
      serverSelectionTimeoutMS:
        options.serverSelectionTimeoutMS ?? Math.min(5_000, Math.max(retryForMs, 500)),
      ignoreUndefined: true,
      appName: 'arbor',
    });
  } catch (error) {
    throw new UsageError(`not a valid MongoDB URI (${shown}): ${scrub(messageOf(error))}`, { hint });
  }

  try {
    await client.connect();
    await client.db(databaseName).command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    const reason = scrub(messageOf(error));
    const authFailed = error instanceof MongoError && error.code === 18;
    throw new UsageError(
      authFailed
        ? `MongoDB at ${where} refused the credentials in ${shown}: ${reason}`
        : `cannot reach MongoDB at ${where} (${shown}): ${reason}`,
      { hint },
    );
  }

  let opened: StoreCollections;
  try {
    opened = await storeCollections(client.db(databaseName), { documentLocks: options.documentLocks, retryForMs });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return new MongoStore({
    client,
    ...opened,
    location: parts.database === databaseName ? shown : `${shown} (database ${databaseName})`,
    retryForMs,
    leaseMs: options.leaseMs ?? 30_000,
  });
}

/**
 * The store's collections in `db`, as the store writes them: indexes made, and with per-document
 * locks on a server without atomic updates (`documentLocks` overrides what the server says).
 */
export async function storeCollections(
  db: Db,
  options: { documentLocks?: boolean | undefined; retryForMs: number },
): Promise<StoreCollections> {
  const { retryForMs } = options;
  const collections = mongoCollections(db);
  await retryTransient(() => ensureIndexes(collections), { what: 'creating indexes', retryForMs });
  const locking =
    options.documentLocks ??
    !hasAtomicUpdates(
      await retryTransient(() => db.command({ buildInfo: 1 }), { what: 'asking the server its version', retryForMs }),
    );
  if (!locking) return { collections, locks: null };
  const locks = new DocumentLocks(db.collection<LockDocument>('locks'));
  return { collections: withDocumentLocks(collections, locks), locks };
}

/** The store's collections, and the per-document locks their writes take (null: the server's updates are atomic). */
export interface StoreCollections {
  collections: MongoCollections;
  locks: DocumentLocks | null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
