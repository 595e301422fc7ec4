import type { BenchContext, BenchResult } from './bench-result.js';
import { measureZeroLatencyRun } from './measure-zero-latency-run.js';
import { verdict, type Verdict } from './verdict.js';

/** In-flight limit of the zero-latency runs: high enough that slots never hold work back. */
export const zeroLatencyConcurrency = 64;
const throughputTargets = { embedded: 1000, mongodb: 300 } as const;
/** "Flat": CPU per node at the largest size at most this much above the smallest. */
const flatTolerance = 1.25;

/** The sizes of the zero-latency runs the overhead and memory benchmarks share, on either store. */
export function zeroLatencySizes(context: Pick<BenchContext, 'quick'>): number[] {
  return context.quick ? [1_000, 5_000] : [10_000, 100_000];
}

/** The parameters the overhead and memory benchmarks record: the same zero-latency runs. */
export function zeroLatencyParameters(context: BenchContext): Record<string, unknown> {
  return {
    sizes: Object.fromEntries(context.stores.map((store) => [store, zeroLatencySizes(context)])),
    latencyMs: 0,
    concurrency: zeroLatencyConcurrency,
    seed: 1,
    maxBranching: 8,
    maxDepth: 6,
  };
}

/** The verdict that a per-node figure stays within `limit` of its value at the smallest size. */
export function perNodeGrowthVerdict(target: string, perNode: readonly number[], limit: number): Verdict {
  return verdict({ target, value: perNode.at(-1)! / perNode[0]!, limit, kind: 'at-most' });
}

/**
 * Benchmark 2: Arbor's own cost with a model that answers at once: nodes per second (wall) and CPU
 * ms per node, at 10,000 and 100,000 nodes, each in a fresh process.
 */
export async function overheadBenchmark(context: BenchContext): Promise<BenchResult> {
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  for (const store of context.stores) {
    const sizes = zeroLatencySizes(context);
    const perNode: number[] = [];
    for (const nodes of sizes) {
      const figures = await measureZeroLatencyRun({ nodes, store, concurrency: zeroLatencyConcurrency });
      const nodesPerSecond = nodes / (figures.makespanMs / 1000);
      const cpuMsPerNode = figures.cpuMs / nodes;
      perNode.push(cpuMsPerNode);
      rows.push({
        store,
        nodes,
        calls: figures.calls,
        makespanMs: Math.round(figures.makespanMs),
        nodesPerSecond: Math.round(nodesPerSecond),
        cpuMs: Math.round(figures.cpuMs),
        cpuMsPerNode: Math.round(cpuMsPerNode * 1000) / 1000,
        cpuNodesPerSecond: Math.round(1000 / cpuMsPerNode),
      });
      context.log(
        `overhead ${store} ${nodes} nodes: ${Math.round(nodesPerSecond)} nodes/s, ` +
          `${cpuMsPerNode.toFixed(3)} CPU ms/node (${Math.round(figures.makespanMs)} ms wall)`,
      );
      verdicts.push(
        verdict({
          target: `overhead ${store}, ${nodes} nodes: nodes/s`,
          value: nodesPerSecond,
          limit: throughputTargets[store],
          kind: 'at-least',
          digits: 0,
        }),
      );
    }
    verdicts.push(
      perNodeGrowthVerdict(
        `overhead ${store}: CPU per node at ${sizes.at(-1)} ÷ at ${sizes[0]} (flat)`,
        perNode,
        flatTolerance,
      ),
    );
  }
  return {
    name: 'overhead',
    measures: 'nodes/s and CPU ms per node of synthetic runs with a zero-latency model',
    environment: context.environment,
    quick: context.quick,
    parameters: zeroLatencyParameters(context),
    rows,
    verdicts,
  };
}
