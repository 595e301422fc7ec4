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

/**
 * Follows a log that starts with `lines`, polling every millisecond, and answers what it showed and
 * how many times it read the run's status.
 */
async function follow(
  lines: string,
  onRead: (reads: number, setStatus: (status: RunStatus) => void, file: string) => void,
  settleMs = 60_000,
): Promise<{ shown: string[]; reads: number }> {
  const file = path.join(await makeTempDir('arbor-log-'), 'run.jsonl');
  writeFileSync(file, lines);
  const watched = watchedRun((reads, setStatus) => onRead(reads, setStatus, file));
  const shown: string[] = [];
  await followLog({
    ...watched,
    tail: new LogTail(file),
    show: (text) => shown.push(text),
    pollMs: 1,
    settleMs,
  });
  return { shown, reads: watched.reads() };
}

describe('followLog', () => {
  it('stops at the run-end line of a run that ends just after its status was read', async () => {
    const { shown, reads } = await follow(line('node-transition'), (read, setStatus, file) => {
      if (read !== 1) return;
      setStatus('completed');
      appendFileSync(file, line('run-end'));
    });
    expect(shown).toEqual([line('node-transition').trim(), line('run-end').trim()]);
    // Seen at the second look, not after the log stayed quiet for `settleMs`.
    expect(reads).toBe(2);
  });

  it("does not take an earlier drive's run-end for the end of a run that is running again", async () => {
    const { shown, reads } = await follow(
      line('node-transition') + line('run-end'),
      (read, setStatus, file) => {
        if (read === 3) appendFileSync(file, line('node-transition'));
        if (read === 5) {
          setStatus('completed');
          appendFileSync(file, line('run-end'));
        }
      },
    );
    expect(shown.filter((text) => text.includes('run-end'))).toHaveLength(2);
    expect(shown).toHaveLength(4);
    expect(reads).toBe(6);
  });

  it('gives up on a run that stopped without a run-end line once its log stays quiet', async () => {
    const { shown, reads } = await follow(
      line('node-transition'),
      (read, setStatus) => {
        if (read === 2) setStatus('failed');
      },
      20,
    );
    expect(shown).toEqual([line('node-transition').trim()]);
    expect(reads).toBeGreaterThan(2);
  });
});
