import { readFileSync } from 'node:fs';

/**
 * True while the process `pid` of this host runs. False once it is gone, and for a zombie: a process
 * that ended (e.g. `kill -9`) but that its parent has not reaped yet. A container whose first
 * process does not reap orphans keeps them for good, and a restarted `arbor serve` would otherwise
 * wait forever for the runs its killed predecessor held. A process of another user counts as
 * running.
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !hasEnded(pid);
}

/** On Linux, whether `/proc` shows the process ended (a zombie, or gone by now); elsewhere false. */
function hasEnded(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  // "PID (COMMAND) STATE …": the command may hold spaces and parentheses, the state follows the last ")".
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}
