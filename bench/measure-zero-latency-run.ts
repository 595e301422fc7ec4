import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BenchStoreKind } from './bench-store.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const childEntry = path.join(import.meta.dirname, 'zero-latency-child.ts');

/** Figures of one zero-latency run, measured in a process of its own. */
export interface ZeroLatencyRunFigures {
  nodes: number;
  calls: number;
  makespanMs: number;
  /** User + system CPU during the drive. */
  cpuMs: number;
  /** RSS after start-up and tree generation, before the drive. */
  baselineRssBytes: number;
  /** Peak RSS of the whole child process. */
  peakRssBytes: number;
}

const cache = new Map<string, Promise<ZeroLatencyRunFigures>>();

/**
 * Drives a zero-latency synthetic run of `nodes` nodes (branching 1–8, depth ≤ 6) in a fresh child
 * process, so that its peak RSS is not mixed with other runs. The overhead and memory benchmarks
 * share these runs: the same size and store is measured once per `npm run bench`.
 */
export function measureZeroLatencyRun(options: {
  nodes: number;
  store: BenchStoreKind;
  concurrency: number;
}): Promise<ZeroLatencyRunFigures> {
  const key = JSON.stringify(options);
  let measured = cache.get(key);
  if (!measured) cache.set(key, (measured = runChild(options)));
  return measured;
}

function runChild(options: object): Promise<ZeroLatencyRunFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childEntry, JSON.stringify(options)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`the benchmark child exited ${code}: ${last}`));
      try {
        resolve(JSON.parse(last) as ZeroLatencyRunFigures);
      } catch (error) {
        reject(new Error(`the benchmark child printed no figures: ${last}`, { cause: error }));
      }
    });
  });
}
