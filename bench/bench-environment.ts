import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Where and on what a benchmark ran, recorded with every result. */
export interface BenchEnvironment {
  commit: string;
  /** True when the work tree had uncommitted changes under src/ (the figures are of those). */
  dirtySource: boolean;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverage: number[];
  startedAt: string;
}

/** The commit (`git rev-parse HEAD`), Node version, CPU count and load of this machine now. */
export function benchEnvironment(): BenchEnvironment {
  const cpus = os.cpus();
  return {
    commit: git(['rev-parse', 'HEAD']),
    dirtySource: git(['status', '--porcelain', '--', 'src']) !== '',
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    startedAt: new Date().toISOString(),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
