/**
 * Child-process entry of {@link measureZeroLatencyRun}: drives one zero-latency synthetic run in a
 * fresh process (so peak RSS is this run's alone) and prints its figures as one JSON line.
 */
import { applyHeapPolicy } from '../src/cli/heap-policy.js';
import type { BenchStoreKind } from './bench-store.js';
import { driveSyntheticRun } from './drive-synthetic-run.js';
import { syntheticTree } from './synthetic-tree.js';
import type { ZeroLatencyRunFigures } from './measure-zero-latency-run.js';

// The heap policy of the `arbor` command: the figures are those of a run as users drive it.
applyHeapPolicy();
const options = JSON.parse(process.argv[2] ?? '{}') as {
  nodes: number;
  store: BenchStoreKind;
  concurrency: number;
};
const tree = syntheticTree({ nodes: options.nodes, seed: 1, maxBranching: 8 });
const baselineRssBytes = process.memoryUsage().rss;
const measured = await driveSyntheticRun({
  tree,
  latencyMs: 0,
  concurrency: options.concurrency,
  store: options.store,
});
const figures: ZeroLatencyRunFigures = {
  nodes: options.nodes,
  calls: measured.calls,
  makespanMs: measured.makespanMs,
  cpuMs: measured.cpuMs,
  baselineRssBytes,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
