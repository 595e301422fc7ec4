import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Collection } from 'mongodb';
import { StoreError, UsageError } from '../../domain/index.js';
import { processRuns } from '../process-runs.js';
import { runTakenOver } from '../run-taken-over.js';
import type { RunLock } from '../store.js';
import type { RunDocument, RunDriver } from './mongo-collections.js';

/** Options of {@link acquireRunLease}. */
export interface AcquireRunLeaseOptions {
  runs: Collection<RunDocument>;
  runId: string;
  owner: string;
  /** How long a lease lasts without renewal: a crashed driver's run is free again after this. */
  leaseMs: number;
  /** Wraps each MongoDB call (retries of transient failures). */
  call: <T>(what: string, operation: () => Promise<T>) => Promise<T>;
}

/** A held run lease: the lock handed to the engine, plus a way to stop renewing without a write. */
export interface RunLease extends RunLock {
  /** Stops the renewal timer (the store is closing); the lease then expires on its own. */
  abandon(): void;
  /**
   * False while the lease surely lasts; true when renewals have not reached the store for a while
   * (two missed), so that it may have lapsed, and a write should {@link confirm} it first.
   */
  mayHaveLapsed(): boolean;
  /** Renews the lease now; rejects with the `RunTakenOverError` when it turns out lost. */
  confirm(): Promise<void>;
}

/** Attempts at taking a lease that keeps changing hands under us before giving up. */
const maxAttempts = 3;

/**
 * Takes the run for this process with one conditional update on the run document: it succeeds when
 * no lease is held, the holder's lease expired, or the holder was a process on this host that is
 * gone (killed with `kill -9`, so `resume` need not wait for its lease to run out). A timer renews
 * the lease at a third of its length (unref'd, so it never keeps the process alive). A live holder
 * gets a `UsageError` naming it.
 */
export async function acquireRunLease(options: AcquireRunLeaseOptions): Promise<RunLease> {
  const { runs, runId, owner, leaseMs, call } = options;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const now = new Date();
    const driver: RunDriver = {
      owner,
      pid: process.pid,
      host: hostname(),
      token: randomUUID(),
      acquiredAt: now,
      expiresAt: new Date(now.getTime() + leaseMs),
    };
    const taken = await call(`taking run ${runId}`, () =>
      runs.updateOne(
        { id: runId, $or: [{ driver: null }, { 'driver.expiresAt': { $lte: now } }] },
        { $set: { driver } },
      ),
    );
    if (taken.matchedCount === 1) return holdLease(options, driver);

    const run = await call(`reading run ${runId}`, () =>
      runs.findOne({ id: runId }, { projection: { driver: 1 } }),
    );
    if (!run) throw new StoreError(`run ${runId} does not exist`, { runId });
    const holder = run.driver;
    // Released between our two reads: try again.
    if (!holder) continue;
    if (!diedOnThisHost(holder))
      throw new UsageError(
        `run ${runId} is being driven by ${holder.owner} (pid ${holder.pid} on ${holder.host}) until ${holder.expiresAt.toISOString()}`,
        {
          runId,
          hint: `wait for that process to finish or stop it; a driver that crashed on another host loses its lease within ${Math.ceil(leaseMs / 1000)} s`,
        },
      );
    // The token condition makes sure we replace that dead holder, not whoever took over meanwhile.
    const takenOver = await call(`taking run ${runId} over from dead process ${holder.pid}`, () =>
      runs.updateOne({ id: runId, 'driver.token': holder.token }, { $set: { driver } }),
    );
    if (takenOver.matchedCount === 1) return holdLease(options, driver);
  }
  throw new StoreError(`run ${runId} changed hands while it was being taken; try again`, { runId });
}

/**
 * True when the holder was a process on this host that no longer exists. A process of another
 * host cannot be checked from here, and one with our own pid is this process: both count as live.
 * A pid reused by an unrelated process also counts as live; the lease then runs out on its own.
 */
export function diedOnThisHost(holder: RunDriver): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  return !processRuns(holder.pid);
}

/**
 * Keeps the lease: renews it at a third of its length, and tells (`lost`) when a renewal matches
 * nothing, because another process took the run over once the lease had lapsed. It also knows how
 * long the lease surely lasts, from the last renewal the store confirmed (on this process's own
 * monotonic clock), so that a write after an outage confirms the lease before it goes out.
 */
function holdLease(options: AcquireRunLeaseOptions, driver: RunDriver): RunLease {
  const { runs, runId, leaseMs, call } = options;
  const lost = new AbortController();
  /** When the lease surely lasts until (`performance.now()`): the send time of the last confirmed renewal plus its length. */
  let confirmedUntil = performance.now() + leaseMs;
  let renewing: Promise<void> | null = null;
  let released = false;

  const lose = async (): Promise<void> => {
    clearInterval(timer);
    const run = await runs.findOne({ id: runId }, { projection: { driver: 1 } }).catch(() => null);
    if (released || lost.signal.aborted) return;
    const holder = run?.driver;
    lost.abort(
      runTakenOver(
        runId,
        `this one's lease lapsed (no renewal reached MongoDB within ${Math.ceil(leaseMs / 1000)} s)`,
        holder ? `${holder.owner} (pid ${holder.pid} on ${holder.host})` : null,
      ),
    );
  };
  const renew = (): Promise<void> => {
    renewing ??= (async () => {
      const sentAt = performance.now();
      try {
        const renewed = await runs.updateOne(
          { id: runId, 'driver.token': driver.token },
          { $set: { 'driver.expiresAt': new Date(Date.now() + leaseMs) } },
        );
        if (renewed.matchedCount === 1) confirmedUntil = Math.max(confirmedUntil, sentAt + leaseMs);
        else if (!released) await lose();
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  };
  // A failed renewal is retried at the next tick; a write made once the lease may have lapsed
  // confirms it first (`mayHaveLapsed`), and node versions keep two drivers from overwriting each other.
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(Math.floor(leaseMs / 3), 10));
  timer.unref();

  return {
    lost: lost.signal,
    mayHaveLapsed: () =>
      !released && !lost.signal.aborted && performance.now() >= confirmedUntil - leaseMs / 3,
    confirm: () => renew().then(() => lost.signal.throwIfAborted()),
    abandon: () => clearInterval(timer),
    release: async () => {
      clearInterval(timer);
      // Lost: the run is another process's now, and there is nothing of this one's to release.
      if (released || lost.signal.aborted) return;
      released = true;
      await call(`releasing run ${runId}`, () =>
        runs.updateOne({ id: runId, 'driver.token': driver.token }, { $set: { driver: null } }),
      );
    },
  };
}
