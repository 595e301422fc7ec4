import { MongoBulkWriteError, MongoError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';

/**
 * Server error codes that mean "the server or the primary is briefly unavailable", the same set the
 * driver treats as retryable for writes.
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md
 */
const transientCodes: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** True for failures that a later attempt may not meet: lost connections, no server to select, elections. */
export function isTransientMongoError(error: unknown): boolean {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (!(error instanceof MongoError)) return false;
  // A bulk write (insertMany, bulkWrite) wraps the failure that stopped it, e.g. a lost connection.
  const wrapped: unknown = error instanceof MongoBulkWriteError ? error.errorResponse : undefined;
  if (wrapped instanceof MongoError && wrapped !== error) return isTransientMongoError(wrapped);
  if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool')) return true;
  return typeof error.code === 'number' && transientCodes.has(error.code);
}
