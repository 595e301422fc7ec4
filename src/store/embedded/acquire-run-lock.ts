import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { StoreError, UsageError } from '../../domain/index.js';
import { processRuns } from '../process-runs.js';
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

/** A lock file is taken over only from a process that is gone: one this process holds is never lost. */
const neverLost = new AbortController().signal;

/** Options of {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  path: string;
  runId: string;
  owner: string;
}

/**
 * Takes a run's lock file. A lock held by a live process (this one included, whatever the owner) is
 * refused with a `UsageError` naming it; a lock left by a dead process on this host, or by an earlier
 * process that had this pid, is taken over. A lock from another host is taken for live, since its
 * process cannot be checked from here.
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
      return {
        lost: neverLost,
        release: () =>
          new Promise<void>((resolve) => {
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

function isLive(path: string, holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return heldByThisProcess.get(path) === holder.token;
  return processRuns(holder.pid);
}

function busy(runId: string, path: string, holder: LockHolder): UsageError {
  const where = holder.hostname === hostname() ? '' : ` on ${holder.hostname}`;
  return new UsageError(
    `run ${runId} is being run by process ${holder.pid}${where} (${holder.owner}); wait for it to finish or stop it`,
    { runId, hint: `if that process is gone, delete ${path} and try again` },
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
