import { spawn } from 'node:child_process';
import { once } from 'node:events';

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
