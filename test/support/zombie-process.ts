import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'vitest';
import type { Store } from '../../src/store/index.js';

/**
 * A zombie of this host: a process killed with SIGKILL whose parent never reaps it (as under a
 * container's first process that does not reap orphans). Signal 0 still reaches it. `reap` ends
 * the parent, so that init takes the zombie away.
 */
export async function startZombie(): Promise<{ pid: number; reap: () => void }> {
  // The shell starts `sleep` in the background, then becomes a `sleep` that never waits for it.
  const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  process.kill(pid, 'SIGKILL');
  return { pid, reap: () => parent.kill('SIGKILL') };
}

/**
 * Leaves the run held by a zombie (`hold` writes the lock or lease with its pid), and expects `store`
 * to take the run over (polled: the kill may take a moment to land).
 */
export async function expectTakenOverFromZombie(
  store: Pick<Store, 'acquireRun'>,
  runId: string,
  hold: (pid: number) => Promise<void>,
): Promise<void> {
  const zombie = await startZombie();
  try {
    await hold(zombie.pid);
    const takeOver = async () => {
      const lock = await store.acquireRun(runId, 'resume');
      await lock.release();
      return 'taken';
    };
    await expect.poll(takeOver).toBe('taken');
  } finally {
    zombie.reap();
  }
}
