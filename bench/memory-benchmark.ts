import type { BenchContext, BenchResult } from './bench-result.js';
import { measureZeroLatencyRun } from './measure-zero-latency-run.js';
import {
  perNodeGrowthVerdict,
  zeroLatencyConcurrency,
  zeroLatencyParameters,
  zeroLatencySizes,
} from './overhead-benchmark.js';
import { verdict, type Verdict } from './verdict.js';

const mebibyte = 1024 * 1024;
const peakLimitBytes = 1024 * mebibyte;
/** "Linear": bytes per node at the largest size at most this much above the smallest. */
const linearTolerance = 1.25;

/**
 * Benchmark 3: peak RSS of zero-latency runs at 10,000 and 100,000 nodes, each in a fresh process,
 * and the bytes per node above the process's RSS before the drive.
 */
export async function memoryBenchmark(context: BenchContext): Promise<BenchResult> {
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  for (const store of context.stores) {
    const sizes = zeroLatencySizes(context);
    const perNode: number[] = [];
    for (const nodes of sizes) {
      const figures = await measureZeroLatencyRun({ nodes, store, concurrency: zeroLatencyConcurrency });
      const bytesPerNode = (figures.peakRssBytes - figures.baselineRssBytes) / nodes;
      perNode.push(bytesPerNode);
      rows.push({
        store,
        nodes,
        baselineRssMiB: round(figures.baselineRssBytes / mebibyte),
        peakRssMiB: round(figures.peakRssBytes / mebibyte),
        bytesPerNode: Math.round(bytesPerNode),
      });
      context.log(
        `memory ${store} ${nodes} nodes: peak RSS ${round(figures.peakRssBytes / mebibyte)} MiB, ` +
          `${Math.round(bytesPerNode)} bytes/node above the ${round(figures.baselineRssBytes / mebibyte)} MiB baseline`,
      );
      if (nodes === sizes.at(-1))
        verdicts.push(
          verdict({
            target: `memory ${store}, ${nodes} nodes: peak RSS`,
            value: figures.peakRssBytes / mebibyte,
            limit: peakLimitBytes / mebibyte,
            kind: 'at-most',
            unit: ' MiB',
            digits: 0,
          }),
        );
    }
    verdicts.push(
      perNodeGrowthVerdict(
        `memory ${store}: bytes per node at ${sizes.at(-1)} ÷ at ${sizes[0]} (linear)`,
        perNode,
        linearTolerance,
      ),
    );
  }
  return {
    name: 'memory',
    measures: 'peak RSS and bytes per node of synthetic runs, each size in a fresh process',
    environment: context.environment,
    quick: context.quick,
    parameters: zeroLatencyParameters(context),
    rows,
    verdicts,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
