import {
  MongoBulkWriteError,
  type Collection,
  type Document,
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
 */
export async function insertNew<D extends Document>(
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
