import { StoreError, UsageError } from '../../domain/index.js';

const permissionCodes = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Turns a file-system failure into an Arbor error: a directory the user cannot write to is a
 * `UsageError` (they should pick another `--store`), anything else a `StoreError`.
 */
export function storeIoError(
  error: unknown,
  message: string,
  options: { runId?: string } = {},
): StoreError | UsageError {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code !== undefined && permissionCodes.has(code))
    return new UsageError(`${message}: permission denied (${code})`, {
      cause: error,
      runId: options.runId,
      hint: 'pick a directory you can write to with --store DIR (or ARBOR_STORE)',
    });
  return new StoreError(`${message}: ${detail}`, { cause: error, runId: options.runId });
}

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** What a full or read-only disk looks like to a writer, and what to do about it. */
const unwritable: Record<string, { why: string; fix: (location: string) => string }> = {
  ENOSPC: {
    why: 'the disk is full (ENOSPC)',
    fix: (location) => `free space on the disk that holds ${location}`,
  },
  EDQUOT: {
    why: 'the disk quota is used up (EDQUOT)',
    fix: (location) => `free space on the disk that holds ${location}`,
  },
  EROFS: {
    why: 'its file system is read-only (EROFS)',
    fix: (location) => `make ${location} writable again`,
  },
  EACCES: { why: 'it is not writable (EACCES)', fix: (location) => `make ${location} writable again` },
  EPERM: { why: 'it is not writable (EPERM)', fix: (location) => `make ${location} writable again` },
  EIO: {
    why: 'the disk reported an I/O error (EIO)',
    fix: (location) => `check the disk that holds ${location}`,
  },
};

/**
 * A write of a run that failed because the store's disk is full or stopped accepting writes,
 * mid-run: a `StoreError` (exit status 1, not 2: the run exists and stays resumable) that names the
 * store, what it was doing and how to continue. Other errors are returned unchanged.
 */
export function storeWriteError(
  error: unknown,
  options: { location: string; doing: string; runId: string },
): unknown {
  const code = rootErrorCode(error);
  const known = code === undefined ? undefined : unwritable[code];
  if (known === undefined) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(
    `the embedded store at ${options.location} cannot write while ${options.doing}: ${known.why}; ${detail}`,
    {
      cause: error,
      runId: options.runId,
      hint: `${known.fix(options.location)}, then continue with: arbor resume ${options.runId} --store ${options.location} (everything stored before this write is kept)`,
    },
  );
}

/** The system error code of `error` or of the error it wraps. */
function rootErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    const code = errorCode(current);
    if (code !== undefined) return code;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
