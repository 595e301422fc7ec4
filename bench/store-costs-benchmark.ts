import type { BenchContext, BenchResult } from './bench-result.js';
import { benchMongoUri } from './bench-store.js';
import { driveSyntheticRun } from './drive-synthetic-run.js';
import { syntheticTree } from './synthetic-tree.js';
import { verdict, type Verdict } from './verdict.js';
import { startWireCounter } from './wire-counter.js';

/** "No per-event full-tree reads": bytes read per node at the larger size at most this much above the smaller. */
const flatTolerance = 1.25;

/**
 * Benchmark 5: what a run costs the MongoDB store per node — round trips, bytes written and bytes
 * read — counted on the wire by a proxy, at two tree sizes. Reads per node that grew with the tree
 * would mean full-tree reads per event.
 */
export async function storeCostsBenchmark(context: BenchContext): Promise<BenchResult> {
  const uri = benchMongoUri();
  const sizes = context.quick ? [100, 300] : [300, 1000];
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  if (uri !== undefined && context.stores.includes('mongodb')) {
    const target = new URL(uri);
    const counter = await startWireCounter(Number(target.port || 27017));
    const previous = process.env.MONGODB_URI;
    process.env.MONGODB_URI = `mongodb://127.0.0.1:${counter.port}${target.pathname}${target.search}`;
    try {
      for (const nodes of sizes) {
        const tree = syntheticTree({ nodes, seed: 1 });
        counter.reset();
        const measured = await driveSyntheticRun({ tree, latencyMs: 0, concurrency: 16, store: 'mongodb' });
        const wire = counter.counts();
        const row = {
          nodes: tree.nodes.length,
          calls: measured.calls,
          roundTripsPerNode: round(wire.requests / tree.nodes.length),
          bytesWrittenPerNode: Math.round(wire.bytesSent / tree.nodes.length),
          bytesReadPerNode: Math.round(wire.bytesReceived / tree.nodes.length),
        };
        rows.push(row);
        context.log(
          `store costs mongodb ${row.nodes} nodes: ${row.roundTripsPerNode} round trips, ` +
            `${row.bytesWrittenPerNode} bytes written, ${row.bytesReadPerNode} bytes read per node`,
        );
      }
    } finally {
      process.env.MONGODB_URI = previous;
      await counter.close();
    }
    const [small, large] = [rows[0]!, rows.at(-1)!];
    verdicts.push(
      verdict({
        target: `store costs mongodb: bytes read per node at ${String(large.nodes)} ÷ at ${String(small.nodes)} (no full-tree reads per event)`,
        value: Number(large.bytesReadPerNode) / Number(small.bytesReadPerNode),
        limit: flatTolerance,
        kind: 'at-most',
      }),
    );
  } else {
    context.log('store costs: MongoDB only (set MONGODB_URI); skipped');
  }
  return {
    name: 'store-costs',
    measures: 'MongoDB round trips, bytes written and bytes read per node, counted on the wire',
    environment: context.environment,
    quick: context.quick,
    parameters: { sizes, latencyMs: 0, concurrency: 16, seed: 1 },
    rows,
    verdicts,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
