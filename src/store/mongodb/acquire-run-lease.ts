import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Collection } from 'mongodb';
import { StoreError, UsageError } from '../../domain/index.js';
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
}

/**
 * Takes the run for this process with one conditional update on the run document: it succeeds only
 * when no lease is held or the holder's lease expired. A timer renews it at a third of its length
 * (unref'd, so it never keeps the process alive). A live holder elsewhere gets a `UsageError` naming it.
 */
export async function acquireRunLease(options: AcquireRunLeaseOptions): Promise<RunLease> {
  const { runs, runId, owner, leaseMs, call } = options;
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
  if (taken.matchedCount === 0) {
    const run = await call(`reading run ${runId}`, () =>
      runs.findOne({ id: runId }, { projection: { driver: 1 } }),
    );
    if (!run) throw new StoreError(`run ${runId} does not exist`, { runId });
    const holder = run.driver;
    if (!holder)
      throw new StoreError(`run ${runId} changed hands while it was being taken; try again`, { runId });
    throw new UsageError(
      `run ${runId} is being driven by ${holder.owner} (pid ${holder.pid} on ${holder.host}) until ${holder.expiresAt.toISOString()}`,
      {
        runId,
        hint: `wait for that process to finish or stop it; a crashed driver's lease expires within ${Math.ceil(leaseMs / 1000)} s`,
      },
    );
  }

  const renew = async (): Promise<void> => {
    await runs.updateOne(
      { id: runId, 'driver.token': driver.token },
      { $set: { 'driver.expiresAt': new Date(Date.now() + leaseMs) } },
    );
  };
  // A failed renewal is retried at the next tick; if the lease lapses meanwhile, node versions still
  // keep two drivers from overwriting each other's work.
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(Math.floor(leaseMs / 3), 10));
  timer.unref();

  let released = false;
  return {
    abandon: () => clearInterval(timer),
    release: async () => {
      clearInterval(timer);
      if (released) return;
      released = true;
      await call(`releasing run ${runId}`, () =>
        runs.updateOne({ id: runId, 'driver.token': driver.token }, { $set: { driver: null } }),
      );
    },
  };
}
