import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startZombie } from '../../test/support/zombie-process.js';
import { processRuns } from './process-runs.js';

describe('processRuns', () => {
  it('is true for a running process and false once it has ended', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    expect(processRuns(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(processRuns(child.pid!)).toBe(false);
    expect(processRuns(process.pid)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('is false for a zombie, which signal 0 still reaches', async () => {
    const zombie = await startZombie();
    try {
      await expect.poll(() => processRuns(zombie.pid)).toBe(false);
      expect(() => process.kill(zombie.pid, 0)).not.toThrow();
    } finally {
      zombie.reap();
    }
  });
});
