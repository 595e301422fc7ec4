import type { BenchContext, BenchResult } from './bench-result.js';
import { driveSyntheticRun } from './drive-synthetic-run.js';
import { syntheticTree } from './synthetic-tree.js';
import { makespanLowerBound, treeBounds } from './tree-bounds.js';
import { verdict, type Verdict } from './verdict.js';

const latencyMs = 20;
const concurrencies = [8, 32];
const targetNodes = 1000;
const ratioTargets = { embedded: 1.1, mongodb: 1.25 } as const;

/**
 * Benchmark 1: makespan of synthetic runs (L = 20 ms a call) over the lower bound
 * `L · max(D, ⌈N/C⌉)` (DESIGN §7), for trees of 100, 1,000 and 10,000 nodes at C = 8 and 32.
 */
export async function schedulingBenchmark(context: BenchContext): Promise<BenchResult> {
  const judged = context.quick ? 300 : targetNodes;
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  for (const store of context.stores) {
    for (const nodes of schedulingSizes(context)) {
      const tree = syntheticTree({ nodes, seed: 1 });
      const bounds = treeBounds(tree);
      for (const concurrency of concurrencies) {
        const measured = await driveSyntheticRun({ tree, latencyMs, concurrency, store });
        if (measured.calls !== bounds.calls)
          throw new Error(`expected ${bounds.calls} calls, the run made ${measured.calls}`);
        const lowerBoundMs = makespanLowerBound(bounds, latencyMs, concurrency);
        const ratio = measured.makespanMs / lowerBoundMs;
        rows.push({
          store,
          nodes,
          concurrency,
          calls: bounds.calls,
          criticalPath: bounds.criticalPath,
          lowerBoundMs,
          makespanMs: Math.round(measured.makespanMs),
          ratio: round(ratio, 3),
          cpuMs: Math.round(measured.cpuMs),
          peakInFlight: measured.peakInFlight,
        });
        context.log(
          `scheduling ${store} ${nodes} nodes C=${concurrency}: N=${bounds.calls} D=${bounds.criticalPath} ` +
            `makespan ${Math.round(measured.makespanMs)} ms / bound ${lowerBoundMs} ms = ${ratio.toFixed(3)}`,
        );
        if (nodes === judged)
          verdicts.push(
            verdict({
              target: `scheduling ${store}, ${nodes} nodes, C=${concurrency}: makespan ÷ lower bound`,
              value: ratio,
              limit: ratioTargets[store],
              kind: 'at-most',
              digits: 3,
            }),
          );
      }
    }
  }
  return {
    name: 'scheduling',
    measures: 'makespan ÷ L·max(D, ⌈N/C⌉) of synthetic runs with a 20 ms model',
    environment: context.environment,
    quick: context.quick,
    parameters: {
      latencyMs,
      concurrencies,
      sizes: Object.fromEntries(context.stores.map((store) => [store, schedulingSizes(context)])),
      seed: 1,
      maxBranching: 5,
      maxDepth: 6,
      rolesConcurrency: 'C',
    },
    rows,
    verdicts,
  };
}

function schedulingSizes(context: Pick<BenchContext, 'quick'>): number[] {
  return context.quick ? [100, 300] : [100, targetNodes, 10_000];
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
