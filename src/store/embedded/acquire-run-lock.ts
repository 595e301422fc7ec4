import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { StoreError, UsageError } from '../../domain/index.js';
import { processRuns } from '../process-runs.js';
import { runTakenOver } from '../run-taken-over.js';
import type { RunLock } from '../store.js';
import { errorCode, storeIoError } from './store-io-error.js';
import { createFileAtomic } from './write-file-atomic.js';

/** The content of a run's `lock` file. */
interface LockHolder {
  pid: number;
  hostname: string;
  owner: string;
  at: string;
  /** Tells this holder apart from a later one with the same pid (a restarted container). */
  token: string;
}

/** Lock files this process holds (path → token), whatever store instance took them. */
const heldByThisProcess = new Map<string, string>();

/** How often a holder touches its lock file (its modification time), to show that it still holds it. */
export const lockRefreshMs = 10_000;

/**
 * How long a lock of another host stays held without being touched: its process cannot be checked
 * from here (a container replaced by one with a new host name, on the same folder), so after this
 * its holder counts as gone.
 */
export const lockStaleMs = 60_000;

/** Options of {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  path: string;
  runId: string;
  owner: string;
  /** How often to touch the lock while it is held (default {@link lockRefreshMs}). */
  refreshMs?: number;
}

/**
 * Takes a run's lock file. A lock held by a live process (this one included, whatever the owner) is
 * refused with a `UsageError` naming it; a lock left by a dead process on this host, or by an earlier
 * process that had this pid, is taken over. A lock from another host, whose process cannot be
 * checked from here, is live while its holder keeps touching it: untouched for {@link lockStaleMs},
 * it is taken over. The holder touches it every `refreshMs`, and finds out so when it was taken
 * over (`lost`).
 */
export function acquireRunLock(options: AcquireRunLockOptions): RunLock {
  const { path, runId } = options;
  const mine: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    owner: options.owner,
    at: new Date().toISOString(),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, mine)) {
      heldByThisProcess.set(path, mine.token);
      const lost = new AbortController();
      const timer = setInterval(
        () => refresh(path, runId, mine.token, lost),
        options.refreshMs ?? lockRefreshMs,
      );
      timer.unref();
      lost.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
      return {
        lost: lost.signal,
        release: () =>
          new Promise<void>((resolve) => {
            clearInterval(timer);
            release(path, mine.token);
            resolve();
          }),
      };
    }
    const holder = readHolder(path);
    if (holder !== undefined && holder !== null && isLive(path, holder)) throw busy(runId, path, holder);
    if (holder !== undefined) removeStale(path);
  }
  throw new UsageError(`cannot take run ${runId}: its lock ${path} keeps changing hands`, { runId });
}

/**
 * The state of the lock at `path`: `free` (no lock), `held` by a live process (this one included),
 * or `orphaned`, left behind by a holder that died (or unreadable).
 */
export function runLockState(path: string): 'free' | 'held' | 'orphaned' {
  const holder = readHolder(path);
  if (holder === undefined) return 'free';
  return holder !== null && isLive(path, holder) ? 'held' : 'orphaned';
}

/** Creates the lock with its full content in one step, or false if it exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  return createFileAtomic(path, `${JSON.stringify(holder)}\n`, 'the lock');
}

/** The holder named in the lock; undefined when the lock is gone, null when it is unreadable. */
function readHolder(path: string): LockHolder | null | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw storeIoError(error, `cannot read the lock ${path}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    return isHolder(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Touches the lock this process holds; when another process's lock stands there instead (it took
 * this one for stale), tells `lost`. A failed touch is tried again at the next refresh.
 */
function refresh(path: string, runId: string, token: string, lost: AbortController): void {
  let holder: LockHolder | null | undefined;
  try {
    holder = readHolder(path);
    if (holder?.token === token) {
      const now = new Date();
      utimesSync(path, now, now);
      return;
    }
  } catch {
    return;
  }
  if (heldByThisProcess.get(path) === token) heldByThisProcess.delete(path);
  lost.abort(
    runTakenOver(
      runId,
      `this one's lock ${path} went untouched for ${lockStaleMs / 1000} s`,
      holder ? `process ${holder.pid} on ${holder.hostname} (${holder.owner})` : null,
    ),
  );
}

/** When the lock was last touched (ms since the epoch); 0 when it is gone. */
function touchedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0;
    throw storeIoError(error, `cannot read the lock ${path}`);
  }
}

function isLive(path: string, holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return Date.now() - touchedAt(path) < lockStaleMs;
  if (holder.pid === process.pid) return heldByThisProcess.get(path) === holder.token;
  return processRuns(holder.pid);
}

function busy(runId: string, path: string, holder: LockHolder): UsageError {
  const elsewhere = holder.hostname !== hostname();
  return new UsageError(
    `run ${runId} is being run by process ${holder.pid}${elsewhere ? ` on ${holder.hostname}` : ''} (${holder.owner}); wait for it to finish or stop it`,
    {
      runId,
      hint: elsewhere
        ? `if that host's process is gone, its lock is taken over once it has gone untouched for ${lockStaleMs / 1000} s`
        : `if that process is gone, delete ${path} and try again`,
    },
  );
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw storeIoError(error, `cannot remove the stale lock ${path}`);
  }
}

function release(path: string, token: string): void {
  if (heldByThisProcess.get(path) === token) heldByThisProcess.delete(path);
  const holder = readHolder(path);
  if (holder?.token !== token) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT')
      throw new StoreError(`cannot release the lock ${path}`, { cause: error });
  }
}

function isHolder(value: unknown): value is LockHolder {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields.pid === 'number' &&
    typeof fields.hostname === 'string' &&
    typeof fields.owner === 'string' &&
    typeof fields.at === 'string' &&
    typeof fields.token === 'string'
  );
}
