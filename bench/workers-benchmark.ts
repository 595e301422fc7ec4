import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { RunEngine } from '../src/engine/index.js';
import type { Model } from '../src/llm/model.js';
import { openMongoStore, type MongoStore } from '../src/store/mongodb/index.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { benchMongoUri } from './bench-store.js';
import { benchAgents, createSyntheticRun, driveSyntheticRun } from './drive-synthetic-run.js';
import { createFakeModel } from './fake-model.js';
import { syntheticTree, type SyntheticTree } from './synthetic-tree.js';
import { makespanLowerBound, treeBounds } from './tree-bounds.js';
import { verdict, type Verdict } from './verdict.js';

const latencyMs = 100;
/** `--concurrency` of each worker; the combined concurrency is this times the workers. */
const perWorker = 8;
const workerCounts = [1, 2, 4];
const ratioTarget = 1.35;

/**
 * Benchmark: 1, 2 and 4 workers sharing one run on MongoDB (each a `RunEngine` in shared mode on a
 * store connection of its own, in this process), on a latency-bound synthetic tree. Reports the
 * makespan over the lower bound `L · max(D, ⌈N/C⌉)` for the workers' combined concurrency C, and for
 * reference what one process with that C achieves on the embedded store (the bound is not tight
 * when D ≈ ⌈N/C⌉: no schedule keeps every slot busy along the whole critical path).
 */
export async function workersBenchmark(context: BenchContext): Promise<BenchResult> {
  const uri = benchMongoUri();
  const nodes = context.quick ? 300 : 1000;
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  if (uri !== undefined && context.stores.includes('mongodb')) {
    const tree = syntheticTree({ nodes, seed: 1 });
    const bounds = treeBounds(tree);
    for (const workers of workerCounts) {
      const concurrency = workers * perWorker;
      const measured = await driveWithWorkers(uri, tree, workers);
      if (measured.calls !== bounds.calls)
        throw new Error(`expected ${bounds.calls} calls, the workers made ${measured.calls}`);
      const lowerBoundMs = makespanLowerBound(bounds, latencyMs, concurrency);
      const ratio = measured.makespanMs / lowerBoundMs;
      const single =
        workers === 1 ? null : await driveSyntheticRun({ tree, latencyMs, concurrency, store: 'embedded' });
      const singleRatio = single && Math.round((single.makespanMs / lowerBoundMs) * 1000) / 1000;
      rows.push({
        workers,
        concurrency,
        nodes,
        calls: bounds.calls,
        criticalPath: bounds.criticalPath,
        lowerBoundMs,
        makespanMs: Math.round(measured.makespanMs),
        ratio: Math.round(ratio * 1000) / 1000,
        nodesPerWorker: measured.nodesPerWorker,
        oneProcessSameConcurrencyRatio: singleRatio,
      });
      context.log(
        `workers ${workers} × C=${perWorker}, ${nodes} nodes: N=${bounds.calls} D=${bounds.criticalPath} ` +
          `makespan ${Math.round(measured.makespanMs)} ms / bound ${lowerBoundMs} ms = ${ratio.toFixed(3)}; nodes per worker ${measured.nodesPerWorker.join(' ')}` +
          (singleRatio === null
            ? ''
            : `; one process with C=${concurrency} (embedded): ${singleRatio.toFixed(3)}`),
      );
      verdicts.push(
        verdict({
          target: `workers ${workers} × C=${perWorker} on MongoDB: makespan ÷ lower bound`,
          value: ratio,
          limit: ratioTarget,
          kind: 'at-most',
          digits: 3,
        }),
      );
    }
  } else {
    context.log('workers: skipped (MongoDB only; set MONGODB_URI)');
  }
  return {
    name: 'workers',
    measures: `makespan ÷ L·max(D, ⌈N/C⌉) of one run shared by 1, 2 and 4 workers (C = ${perWorker} each) with a ${latencyMs} ms model`,
    environment: context.environment,
    quick: context.quick,
    parameters: { latencyMs, perWorker, workerCounts, nodes, seed: 1, leaseMs: 30_000, refreshMs: 50 },
    rows,
    verdicts,
  };
}

async function driveWithWorkers(
  uri: string,
  tree: SyntheticTree,
  workers: number,
): Promise<{ makespanMs: number; calls: number; nodesPerWorker: number[] }> {
  const { agents, templates } = await benchAgents();
  const fake = createFakeModel({ tree, latencyMs });
  let calls = 0;
  const model: Model = {
    provider: fake.provider,
    modelId: fake.modelId,
    generate: (request) => (calls++, fake.generate(request)),
  };
  const dbName = `arbor_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const stores: MongoStore[] = [];
  try {
    for (let index = 0; index < workers; index++) stores.push(await openMongoStore(uri, { dbName }));
    const run = await createSyntheticRun(stores[0]!, tree, perWorker);
    const engines = await Promise.all(
      stores.map(async (store, index) => {
        const id = `w${index + 1}`;
        return new RunEngine(
          {
            store,
            run,
            agents,
            templates,
            modelFor: () => model,
            notes: [],
            owner: id,
            waitForApprovals: false,
            outDir: null,
            shared: { workerId: id, leaseMs: 30_000 },
          },
          await store.listNodes(run.id),
        );
      }),
    );
    const start = performance.now();
    const outcomes = await Promise.all(engines.map((engine) => engine.drive()));
    const makespanMs = performance.now() - start;
    if (!outcomes.every((outcome) => outcome.status === 'completed'))
      throw new Error(`a worker left the run ${outcomes.map((outcome) => outcome.status).join(', ')}`);
    const stored = await stores[0]!.listNodes(run.id);
    const nodesPerWorker = stores.map(
      (_, index) => stored.filter((node) => node.worker === `w${index + 1}`).length,
    );
    return { makespanMs, calls, nodesPerWorker };
  } finally {
    for (const store of stores) await store.close();
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.connect();
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  }
}
