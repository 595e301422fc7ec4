import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { StoreError } from '../../domain/index.js';
import { onlyDuplicates } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';

/** A held lock on one document: see {@link DocumentLocks}. */
export interface LockDocument {
  _id: string;
  /** The holding of the lock: only its holder deletes it. */
  token: string;
  /** When it was taken (the taker's clock); older than `staleMs`, it is taken to be abandoned. */
  at: Date;
}

/** Options of {@link DocumentLocks}. */
export interface DocumentLocksOptions {
  /** A lock older than this was left by a process that died holding it (default 60 s). */
  staleMs?: number;
  /** How long a writer waits for a lock before a `StoreError` (default: `staleMs` plus 30 s). */
  waitMs?: number;
}

/**
 * Whether the server applies a single-document update atomically, as MongoDB documents it ("each
 * command ensures that the query condition still matches"). FerretDB 1.x does not: it reads the
 * matching documents, applies the update in the gateway and writes each one back by `_id`, outside
 * one transaction (FerretDB issue 3040), so two updates that both match `{ version: 3 }` both land
 * and an `$inc` can be lost. FerretDB 2 runs on DocumentDB, where updates are atomic again.
 */
export function hasAtomicUpdates(buildInfo: Document): boolean {
  const ferretdb: unknown = buildInfo.ferretdbVersion;
  return !(typeof ferretdb === 'string' && /^v?1\./.test(ferretdb));
}

/** The `_id` of the lock of one document (`parts` name it in its collection), at a generation. */
export function documentLockId(collection: string, parts: readonly string[], generation: number): string {
  return JSON.stringify([collection, ...parts, generation]);
}

/**
 * Per-document locks for a server without atomic updates ({@link hasAtomicUpdates}): a writer
 * inserts the document's lock (an insert is atomic there too: the `_id` is unique), makes its
 * conditional update, then deletes the lock. A writer that finds the lock taken lets go of any it
 * took and tries again shortly, so two writers never wait on each other. A lock older than
 * `staleMs` was abandoned by a process that died holding it: it is left where it is (deleting it
 * could delete a newer one) and the next generation's lock is taken instead.
 */
export class DocumentLocks {
  readonly #staleMs: number;
  readonly #waitMs: number;

  constructor(
    private readonly locks: Collection<LockDocument>,
    options: DocumentLocksOptions = {},
  ) {
    this.#staleMs = options.staleMs ?? 60_000;
    this.#waitMs = options.waitMs ?? this.#staleMs + 30_000;
  }

  /** Runs `write` holding the locks of the documents `keys` name (each one a lock `_id` prefix). */
  async withLocks<T>(keys: readonly (readonly [string, ...string[]])[], write: () => Promise<T>): Promise<T> {
    const held = await this.#acquire(keys);
    try {
      return await write();
    } finally {
      // A lock that cannot be deleted now is taken to be abandoned after `staleMs`.
      await this.locks.deleteMany({ _id: { $in: held.ids }, token: held.token }).catch(() => undefined);
    }
  }

  async #acquire(
    keys: readonly (readonly [string, ...string[]])[],
  ): Promise<{ ids: string[]; token: string }> {
    const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
    const generations = unique.map(() => 0);
    const token = randomUUID();
    const deadline = Date.now() + this.#waitMs;
    for (let round = 0; ; round++) {
      const documents: LockDocument[] = unique.map(([collection, ...parts], index) => ({
        _id: documentLockId(collection, parts, generations[index]!),
        token,
        at: new Date(),
      }));
      const ids = documents.map((document) => document._id);
      const refused = new Set<number>();
      try {
        await this.locks.insertMany(documents, { ordered: false });
      } catch (error) {
        const duplicates = onlyDuplicates(error);
        if (duplicates === null) {
          await this.locks.deleteMany({ _id: { $in: ids }, token }).catch(() => undefined);
          throw error;
        }
        for (const duplicate of duplicates) refused.add(duplicate.index);
      }
      if (refused.size === 0) return { ids, token };

      const found = new Map(
        (await this.locks.find({ _id: { $in: [...refused].map((index) => ids[index]!) } }).toArray()).map(
          (lock) => [lock._id, lock],
        ),
      );
      let waiting = false;
      for (const index of refused) {
        const lock = found.get(ids[index]!);
        // Ours: an earlier attempt of this insert landed. Gone: released meanwhile, try again.
        if (!lock || lock.token === token) {
          if (lock) refused.delete(index);
          continue;
        }
        if (Date.now() - lock.at.getTime() > this.#staleMs) generations[index]!++;
        else waiting = true;
      }
      if (refused.size === 0) return { ids, token };
      const taken = ids.filter((_, index) => !refused.has(index));
      if (taken.length > 0) await this.locks.deleteMany({ _id: { $in: taken }, token });
      if (Date.now() > deadline)
        throw new StoreError(
          `a document stayed locked by another writer for ${Math.round(this.#waitMs / 1000)} s (${ids[[...refused][0]!]})`,
        );
      if (waiting) await sleep(Math.min(2 ** round, 50) * (1 + Math.random()));
    }
  }
}

/** The write methods that take the document's lock; others pass through. */
const lockedMethods = new Set([
  'updateOne',
  'findOneAndUpdate',
  'replaceOne',
  'findOneAndReplace',
  'deleteOne',
]);

/**
 * The collections with every single-document write to `runs`, `nodes` and `schedules` made under the
 * document's lock (see {@link DocumentLocks}). Each write must name its document in the filter: a run
 * by `id`, a node by `runId` and `id`, a schedule by `name`, as every write of the store does; one
 * that does not is refused.
 */
export function withDocumentLocks(collections: MongoCollections, locks: DocumentLocks): MongoCollections {
  return {
    ...collections,
    runs: lockingWrites(collections.runs, locks, ['id']),
    nodes: lockingWrites(collections.nodes, locks, ['runId', 'id']),
    schedules: lockingWrites(collections.schedules, locks, ['name']),
  };
}

type LockKey = readonly [string, ...string[]];

/**
 * `collection` with its single-document writes taking the lock of the document that its filter names
 * by `fields` (each a string; a write whose filter does not is refused). The store's own `runs`,
 * `nodes` and `schedules` are made so, and `MongoStore.useCollection` makes another layer's so.
 */
export function lockingWrites<D extends Document>(
  collection: Collection<D>,
  locks: DocumentLocks,
  fields: readonly string[],
): Collection<D> {
  const name = collection.collectionName;
  const keyOf = (filter: Document): LockKey => [name, ...fields.map((each) => field(filter, each, name))];
  return new Proxy(collection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (typeof property === 'string' && lockedMethods.has(property))
        return async (filter: Document, ...rest: unknown[]) =>
          locks.withLocks([keyOf(filter)], () => method.call(target, filter, ...rest));
      if (property === 'bulkWrite')
        return async (operations: AnyBulkWriteOperation<D>[], ...rest: unknown[]) =>
          locks.withLocks(
            operations.flatMap((operation) => bulkKeys(operation, keyOf)),
            () => method.call(target, operations, ...rest),
          );
      return method.bind(target);
    },
  });
}

/** The lock keys of one operation of a bulk write: none for an insert. */
function bulkKeys<D extends Document>(
  operation: AnyBulkWriteOperation<D>,
  keyOf: (filter: Document) => LockKey,
): LockKey[] {
  if ('insertOne' in operation) return [];
  const filter =
    'updateOne' in operation
      ? operation.updateOne.filter
      : 'replaceOne' in operation
        ? operation.replaceOne.filter
        : 'deleteOne' in operation
          ? operation.deleteOne.filter
          : null;
  if (filter === null)
    throw new StoreError('a multi-document write cannot be made atomic on a server without atomic updates');
  return [keyOf(filter)];
}

function field(filter: Document, name: string, collection: string): string {
  const value: unknown = filter[name];
  if (typeof value !== 'string')
    throw new StoreError(
      `a write to ${collection} whose filter does not name its document by ${name} cannot be made atomic on a server without atomic updates`,
    );
  return value;
}
