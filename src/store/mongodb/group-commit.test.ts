import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A write that records its batches and finishes when the test says so. */
function recordingWrite() {
  const batches: number[][] = [];
  const finish: Array<(error?: Error) => void> = [];
  const write = (documents: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push(documents);
      // Each document's result: its square, so that the test sees which results it got.
      finish.push((error) => (error ? reject(error) : resolve(documents.map((n) => n * n))));
    });
  return { batches, finish, write };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('sends the documents handed in during one event-loop turn as one write, answering each caller its results', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write });
    const written = [group.write([1]), group.write([2, 3]), group.write([4])];
    await turn();
    expect(batches).toEqual([[1, 2, 3, 4]]);
    finish[0]!();
    expect(await Promise.all(written)).toEqual([[1], [4, 9], [16]]);
  });

  it('gathers the documents handed in while a write is in flight into the next write', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write });
    const first = group.write([1]);
    await turn();
    const settledEarly: number[] = [];
    const later = [5, 6, 7].map((n) => group.write([n]).then(() => settledEarly.push(n)));
    await turn();
    expect(batches).toEqual([[1]]);
    finish[0]!();
    await first;
    await turn();
    expect(batches).toEqual([[1], [5, 6, 7]]);
    // Not acknowledged before their own write is.
    expect(settledEarly).toEqual([]);
    finish[1]!();
    await Promise.all(later);
    expect(settledEarly).toEqual([5, 6, 7]);
  });

  it('fails exactly the callers of a failed write', async () => {
    const { finish, write } = recordingWrite();
    const group = new GroupCommit({ write });
    const first = group.write([1]);
    await turn();
    const second = group.write([2]);
    finish[0]!(new Error('server gone'));
    await expect(first).rejects.toThrow('server gone');
    await turn();
    finish[1]!();
    await expect(second).resolves.toEqual([4]);
  });

  it('keeps writes under maxDocuments without splitting a caller', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write, maxDocuments: 3 });
    const written = [group.write([1, 2]), group.write([3, 4]), group.write([5, 6, 7, 8])];
    await turn();
    for (let index = 0; index < 3; index++) {
      finish[index]!();
      await turn();
    }
    await Promise.all(written);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('with a linger, waits that long for more documents before writing', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write, lingerMs: 30 });
    const written = [group.write([1])];
    await turn();
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    written.push(group.write([2]));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(batches).toEqual([[1, 2]]);
    finish[0]!();
    await Promise.all(written);
  });

  it('with a linger, sends the next batch no sooner than that after the one before', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write, lingerMs: 30 });
    const written = [group.write([1])];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toEqual([[1]]);
    written.push(group.write([2]));
    finish[0]!();
    await written[0];
    written.push(group.write([3]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Without the linger, [2] would have gone out as soon as the first write finished.
    expect(batches).toEqual([[1]]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toEqual([[1], [2, 3]]);
    finish[1]!();
    await Promise.all(written);
  });

  it('makes callers wait for room while more than maxBacklog documents are queued or on their way', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write, maxBacklog: 3 });
    void group.write([1, 2]);
    expect(group.room()).toBeNull();
    void group.write([3]);
    const room = group.room();
    expect(room).not.toBeNull();
    let roomy = false;
    void room!.then(() => (roomy = true));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(roomy).toBe(false);
    finish[0]!();
    await turn();
    expect(roomy).toBe(true);
    expect(group.room()).toBeNull();
  });

  it('settled() waits for every queued write', async () => {
    const { batches, finish, write } = recordingWrite();
    const group = new GroupCommit({ write });
    void group.write([1]);
    let settled = false;
    const done = group.settled().then(() => (settled = true));
    await turn();
    expect(settled).toBe(false);
    void group.write([2]);
    finish[0]!();
    await turn();
    await turn();
    expect(settled).toBe(false);
    finish[1]!();
    await done;
    expect(batches).toEqual([[1], [2]]);
  });
});
