/**
 * `npm run bench [-- --quick] [--embedded-only|--mongodb-only] [NAME…]`: runs the benchmarks (all by
 * default: scheduling, overhead, memory, prompt-size, store-costs, workers, service, startup), writes `bench/results/<name>.json` and prints
 * one PASS/MISS line per target. MongoDB variants run when `MONGODB_URI` is set (`store-costs` and `workers` are MongoDB only).
 */
import { applyHeapPolicy } from '../src/cli/heap-policy.js';
import { benchEnvironment } from './bench-environment.js';
import { writeBenchResult, type BenchContext, type BenchResult } from './bench-result.js';
import { benchMongoUri, type BenchStoreKind } from './bench-store.js';
import { memoryBenchmark } from './memory-benchmark.js';
import { overheadBenchmark } from './overhead-benchmark.js';
import { promptSizeBenchmark } from './prompt-size-benchmark.js';
import { schedulingBenchmark } from './scheduling-benchmark.js';
import { serviceBenchmark } from './service-benchmark.js';
import { startupBenchmark } from './startup-benchmark.js';
import { storeCostsBenchmark } from './store-costs-benchmark.js';
import { workersBenchmark } from './workers-benchmark.js';
import { formatVerdict, type Verdict } from './verdict.js';

const benchmarks: Record<string, (context: BenchContext) => Promise<BenchResult>> = {
  scheduling: schedulingBenchmark,
  overhead: overheadBenchmark,
  memory: memoryBenchmark,
  'prompt-size': promptSizeBenchmark,
  'store-costs': storeCostsBenchmark,
  workers: workersBenchmark,
  service: serviceBenchmark,
  startup: startupBenchmark,
};

// The heap policy of the `arbor` command, for the runs driven in this process too.
applyHeapPolicy();
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const embeddedOnly = args.includes('--embedded-only');
const mongodbOnly = args.includes('--mongodb-only');
const flags = ['--quick', '--embedded-only', '--mongodb-only'];
const unknownFlags = args.filter((arg) => arg.startsWith('-') && !flags.includes(arg));
if (unknownFlags.length > 0) {
  console.error(`unknown option ${unknownFlags.join(', ')}; use ${flags.join(', ')} and benchmark names`);
  process.exit(2);
}
const names = args.filter((arg) => !arg.startsWith('-'));
const unknown = names.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
const selected = names.length > 0 ? names : Object.keys(benchmarks);
if (mongodbOnly && (embeddedOnly || benchMongoUri() === undefined)) {
  console.error(
    embeddedOnly
      ? '--mongodb-only and --embedded-only exclude each other'
      : '--mongodb-only needs MONGODB_URI (start a test server with .ci/mongo-server/start.sh)',
  );
  process.exit(2);
}
const stores: BenchStoreKind[] =
  benchMongoUri() === undefined || embeddedOnly
    ? ['embedded']
    : mongodbOnly
      ? ['mongodb']
      : ['embedded', 'mongodb'];
const environment = benchEnvironment();
console.log(
  `arbor bench${quick ? ' --quick' : ''}: ${selected.join(', ')} on ${stores.join(' + ')} — commit ${environment.commit.slice(0, 10)}` +
    `${environment.dirtySource ? ' (+ uncommitted src changes)' : ''}, Node ${environment.node}, ${environment.cpus} CPUs, load ${environment.loadAverage.join(' ')}`,
);
const context: BenchContext = { quick, stores, environment, log: (line) => console.log(`  ${line}`) };
const verdicts: Verdict[] = [];
for (const name of selected) {
  const started = Date.now();
  console.log(`${name}:`);
  const result = await benchmarks[name]!(context);
  const file = await writeBenchResult(result);
  console.log(`  → ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  verdicts.push(...result.verdicts);
}
console.log('');
for (const line of verdicts) console.log(formatVerdict(line));
