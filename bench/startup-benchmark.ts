import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEmbeddedStore } from '../src/store/index.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { driveSyntheticRun } from './drive-synthetic-run.js';
import { syntheticTree } from './synthetic-tree.js';
import { verdict, type Verdict } from './verdict.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const arborBin = path.join(repoRoot, 'bin', 'arbor.js');
const rssReporter = path.join(import.meta.dirname, 'report-rss.mjs');
const targets = { wallMs: 250, rssMiB: 80 } as const;

/**
 * Benchmark (issue 17 §1): how fast the `arbor` command starts and how much memory it takes, as a
 * user types it: `arbor --help`, `arbor runs --json` on an empty store and `arbor tree RUN` on a
 * 1,000-node run, each the median of 7 starts (after one untimed start) of `node bin/arbor.js`,
 * which runs the bundled CLI in `dist/bin/` (build it first: `npm run build`).
 */
export async function startupBenchmark(context: BenchContext): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'arbor-startup-'));
  try {
    const empty = path.join(dir, 'empty');
    const full = path.join(dir, 'full');
    const store = await openEmbeddedStore(full);
    let runId: string;
    try {
      const tree = syntheticTree({ nodes: context.quick ? 300 : 1000, seed: 3 });
      runId = (await driveSyntheticRun({ tree, latencyMs: 0, concurrency: 16, store: 'embedded', into: store })).outcome.run.id;
    } finally {
      await store.close();
    }
    const commands: Array<{ name: string; args: string[] }> = [
      { name: 'arbor --help', args: ['--help'] },
      { name: 'arbor runs --json (empty store)', args: ['runs', '--json', '--store', empty] },
      { name: `arbor tree RUN (${context.quick ? 300 : 1000} nodes)`, args: ['tree', runId, '--store', full] },
    ];
    const rows: Array<Record<string, unknown>> = [];
    const verdicts: Verdict[] = [];
    for (const command of commands) {
      const measured = await measure(command.args, dir);
      rows.push({ command: command.name, ...measured });
      context.log(`startup ${command.name}: ${measured.wallMs} ms wall, ${measured.peakRssMiB} MiB peak (median of ${measured.samples.length})`);
      verdicts.push(
        verdict({ target: `startup ${command.name}: wall time`, value: measured.wallMs, limit: targets.wallMs, kind: 'at-most', unit: ' ms', digits: 0 }),
        verdict({ target: `startup ${command.name}: peak RSS`, value: measured.peakRssMiB, limit: targets.rssMiB, kind: 'at-most', unit: ' MiB', digits: 1 }),
      );
    }
    return {
      name: 'startup',
      measures: 'wall time and peak RSS of `node bin/arbor.js …` (bundled dist/bin/), median of 7 starts',
      environment: context.environment,
      quick: context.quick,
      parameters: { starts: 7 },
      rows,
      verdicts,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(args: readonly string[], dir: string): Promise<{ wallMs: number; peakRssMiB: number; samples: number[] }> {
  const rssFile = path.join(dir, 'rss');
  const samples: Array<{ wallMs: number; rss: number }> = [];
  for (let start = 0; start < 8; start++) {
    const before = performance.now();
    const result = spawnSync(process.execPath, ['--import', rssReporter, arborBin, ...args], {
      cwd: dir,
      env: { ...process.env, ARBOR_BENCH_RSS_FILE: rssFile, ARBOR_STORE: '', MONGODB_URI: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const wallMs = performance.now() - before;
    if (result.status !== 0) throw new Error(`arbor ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
    // The first start warms the file cache; it is not counted.
    if (start > 0) samples.push({ wallMs, rss: Number(await readFile(rssFile, 'utf8')) });
  }
  const middle = <T>(values: T[], key: (value: T) => number) => values.toSorted((a, b) => key(a) - key(b))[Math.floor(values.length / 2)]!;
  return {
    wallMs: Math.round(middle(samples, (sample) => sample.wallMs).wallMs),
    peakRssMiB: Math.round((middle(samples, (sample) => sample.rss).rss / 2 ** 20) * 10) / 10,
    samples: samples.map((sample) => Math.round(sample.wallMs)),
  };
}
