import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../domain/index.js';
import { sampleRun } from '../../test/support/sample-documents.js';
import { makeTempDir } from '../../test/support/cli.js';
import { followLog, LogTail } from './follow-log.js';

const line = (type: string) => `{"level":"debug","message":"${type}","type":"${type}"}\n`;

/**
 * A run whose status is read through `getRun`; `onRead(n)` runs after the n-th read (1-based) has
 * taken the status, and may end the run: change the status, append to the log.
 */
function watchedRun(onRead: (reads: number, setStatus: (status: RunStatus) => void) => void) {
  const { run } = sampleRun();
  let status: RunStatus = 'running';
  let reads = 0;
  const store = {
    getRun: () => {
      const seen = { ...run, status };
      reads++;
      onRead(reads, (next) => (status = next));
      return Promise.resolve(seen);
    },
  };
  return { store, runId: run.id, reads: () => reads };
}

describe('followLog', () => {
  it('stops at the run-end line of a run that ends just after its status was read', async () => {
    const file = path.join(await makeTempDir('arbor-log-'), 'run.jsonl');
    writeFileSync(file, line('node-transition'));
    const watched = watchedRun((reads, setStatus) => {
      if (reads !== 1) return;
      setStatus('completed');
      appendFileSync(file, line('run-end'));
    });
    const shown: string[] = [];
    await followLog({
      ...watched,
      tail: new LogTail(file),
      show: (text) => shown.push(text),
      pollMs: 1,
      settleMs: 60_000,
    });
    expect(shown).toEqual([line('node-transition').trim(), line('run-end').trim()]);
    // Seen at the second look, not after the log stayed quiet for `settleMs`.
    expect(watched.reads()).toBe(2);
  });

  it("does not take an earlier drive's run-end for the end of a run that is running again", async () => {
    const file = path.join(await makeTempDir('arbor-log-'), 'run.jsonl');
    writeFileSync(file, line('node-transition') + line('run-end'));
    const watched = watchedRun((reads, setStatus) => {
      if (reads === 3) appendFileSync(file, line('node-transition'));
      if (reads === 5) {
        setStatus('completed');
        appendFileSync(file, line('run-end'));
      }
    });
    const shown: string[] = [];
    await followLog({
      ...watched,
      tail: new LogTail(file),
      show: (text) => shown.push(text),
      pollMs: 1,
      settleMs: 60_000,
    });
    expect(shown.filter((text) => text.includes('run-end'))).toHaveLength(2);
    expect(shown).toHaveLength(4);
    expect(watched.reads()).toBe(6);
  });

  it('gives up on a run that stopped without a run-end line once its log stays quiet', async () => {
    const file = path.join(await makeTempDir('arbor-log-'), 'run.jsonl');
    writeFileSync(file, line('node-transition'));
    const watched = watchedRun((reads, setStatus) => {
      if (reads === 2) setStatus('failed');
    });
    const shown: string[] = [];
    await followLog({
      ...watched,
      tail: new LogTail(file),
      show: (text) => shown.push(text),
      pollMs: 1,
      settleMs: 20,
    });
    expect(shown).toEqual([line('node-transition').trim()]);
    expect(watched.reads()).toBeGreaterThan(2);
  });
});
