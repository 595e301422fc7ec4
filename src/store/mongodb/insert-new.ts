import {
  MongoBulkWriteError,
  type Collection,
  type Document,
  type Filter,
  type OptionalUnlessRequiredId,
  type WriteError,
} from 'mongodb';

/** Duplicate key: the document is already there. */
export const duplicateKey = 11000;

/** True when `error` is a server error with the given code. */
export function hasCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/**
 * Inserts documents that carry their own `_id`s; ones already stored (a retried insert, a repair)
 * are skipped. Inserts copies: the driver would otherwise add fields to the caller's documents.
 * Answers the documents refused as duplicates (of any unique index: see {@link insertNewOnce}).
 */
export async function insertNew<D extends Document>(
  collection: Collection<D>,
  documents: readonly OptionalUnlessRequiredId<D>[],
): Promise<OptionalUnlessRequiredId<D>[]> {
  try {
    await collection.insertMany(
      documents.map((document) => ({ ...document })),
      { ordered: false },
    );
    return [];
  } catch (error) {
    const duplicates = onlyDuplicates(error);
    if (duplicates === null) throw error;
    return duplicates.flatMap((writeError): OptionalUnlessRequiredId<D>[] => {
      const document = documents[writeError.index];
      return document === undefined ? [] : [document];
    });
  }
}

/**
 * {@link insertNew} for a collection with a unique index besides `_id`: a document refused as a
 * duplicate whose `_id` is not stored clashed on that other index — two different documents were
 * given one key (for events: one seq), and the insert fails instead of dropping one of them.
 */
export async function insertNewOnce<D extends Document & { _id: string }>(
  collection: Collection<D>,
  documents: readonly OptionalUnlessRequiredId<D>[],
  clash: (documents: OptionalUnlessRequiredId<D>[]) => Error,
): Promise<void> {
  const duplicates = await insertNew(collection, documents);
  if (duplicates.length === 0) return;
  const ids = duplicates.map((document) => document._id);
  const stored = new Set(
    (await collection.find({ _id: { $in: ids } } as Filter<D>, { projection: { _id: 1 } }).toArray()).map(
      (document) => document._id as string,
    ),
  );
  const clashing = duplicates.filter((document) => !stored.has(document._id));
  if (clashing.length > 0) throw clash(clashing);
}

/**
 * The write errors of a bulk insert that failed only on documents already stored, or null when it
 * failed otherwise — including a lost connection, which the driver also reports as a bulk write
 * error, without write errors.
 */
export function onlyDuplicates(error: unknown): WriteError[] | null {
  if (!(error instanceof MongoBulkWriteError)) return null;
  const writeErrors = ([] as WriteError[]).concat(error.writeErrors);
  if (writeErrors.length === 0 || writeErrors.some((writeError) => writeError.code !== duplicateKey))
    return null;
  return writeErrors;
}

/** The run of a batch's documents when they all belong to one (for error messages). */
export function sharedRunId(documents: ReadonlyArray<{ runId: string }>): string | undefined {
  const runId = documents[0]?.runId;
  return documents.every((document) => document.runId === runId) ? runId : undefined;
}
