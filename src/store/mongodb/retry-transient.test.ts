import { MongoBulkWriteError, MongoNetworkError, MongoServerError, type BulkWriteResult } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ConflictError, StoreError } from '../../domain/index.js';
import { retryTransient } from './retry-transient.js';

const noSleep = () => Promise.resolve();

describe('retryTransient', () => {
  it('retries a lost connection until the operation succeeds', async () => {
    let calls = 0;
    const value = await retryTransient(
      () => {
        calls++;
        if (calls < 3) return Promise.reject(new MongoNetworkError('connection reset'));
        return Promise.resolve('stored');
      },
      { what: 'updating node 1', retryForMs: 60_000, sleep: noSleep },
    );
    expect(value).toBe('stored');
    expect(calls).toBe(3);
  });

  it('retries a bulk write stopped by a lost connection (the driver wraps it), but not a failed document', async () => {
    const wrapped = new MongoBulkWriteError(
      new MongoNetworkError('connect ECONNREFUSED'),
      {} as BulkWriteResult,
    );
    let calls = 0;
    await retryTransient(() => (++calls < 2 ? Promise.reject(wrapped) : Promise.resolve()), {
      what: 'updating 3 nodes',
      retryForMs: 60_000,
      sleep: noSleep,
    });
    expect(calls).toBe(2);

    const invalid = new MongoBulkWriteError(
      { message: 'document failed validation', code: 121, writeErrors: [] },
      {} as BulkWriteResult,
    );
    calls = 0;
    await expect(
      retryTransient(() => (calls++, Promise.reject(invalid)), {
        what: 'updating 3 nodes',
        retryForMs: 60_000,
        sleep: noSleep,
      }),
    ).rejects.toBeInstanceOf(StoreError);
    expect(calls).toBe(1);
  });

  it('gives up after its time budget with a StoreError that says what it was doing', async () => {
    const error = await retryTransient(() => Promise.reject(new MongoNetworkError('connection refused')), {
      what: 'updating node 2',
      retryForMs: 0,
      where: 'mongodb://db.example:27017/arbor',
      runId: 'run-1',
      nodeId: '2',
      sleep: noSleep,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ runId: 'run-1', nodeId: '2' });
    expect((error as StoreError).message).toMatch(
      /^MongoDB at mongodb:\/\/db\.example:27017\/arbor did not answer while updating node 2 \(gave up after 1 attempt in \d+\.\d s\): connection refused$/,
    );
  });

  it('does not retry a server error that will not go away', async () => {
    let calls = 0;
    const error = await retryTransient(
      () => {
        calls++;
        return Promise.reject(new MongoServerError({ message: 'bad update', code: 9 }));
      },
      { what: 'updating run', retryForMs: 60_000, sleep: noSleep },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(calls).toBe(1);
  });

  it("passes Arbor's own errors through unchanged", async () => {
    const conflict = new ConflictError('stale');
    await expect(
      retryTransient(() => Promise.reject(conflict), { what: 'x', retryForMs: 60_000, sleep: noSleep }),
    ).rejects.toBe(conflict);
  });
});
