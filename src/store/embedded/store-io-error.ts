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
