import { spawn } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve } from '../src/service/index.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { criticalChain, meanChain } from './critical-chain.js';
import { openBenchStore, type BenchStoreKind } from './bench-store.js';
import type { ServiceClientsFigures, ServiceClientsOptions } from './service-clients-child.js';
import { createFakeModel } from './fake-model.js';
import { syntheticTree, type SyntheticTree } from './synthetic-tree.js';
import { makespanLowerBound, treeBounds } from './tree-bounds.js';
import { verdict, type Verdict } from './verdict.js';

const runCount = 20;
const latencyMs = 100;
const concurrency = 16;
const token = 'bench-token-0123456789abcdef';
const targets = { treeP99Ms: 50, makespanRatio: 1.15 } as const;
/** The read routes are called in turn, one every this many ms, while the runs execute. */
const sampleEveryMs = 50;
const clientsEntry = path.join(import.meta.dirname, 'service-clients-child.ts');

/**
 * Benchmark: `arbor serve` under load. {@link runCount} runs of a 1,000-node synthetic tree
 * (L = 100 ms a call, C = 16 each) are started at once through `POST /v1/runs`, each watched by a
 * WebSocket client from `after=0`, while one more client calls the read routes in turn (one call
 * every 50 ms); the clients run in a process of their own, as other programs would. Reports the
 * makespan of all runs over their combined lower bound (the runs are independent, so it is one run's
 * `L · max(D, ⌈N/C⌉)`), the routes' p50/p99 latency while the runs execute, requests/s of `GET …/tree`
 * on a finished 1,000-node run, whether every client got every stored event once, in order, and
 * where the runs' critical chains spent their time beyond the model's latency.
 */
export async function serviceBenchmark(context: BenchContext): Promise<BenchResult> {
  const nodes = context.quick ? 200 : 1000;
  const runs = context.quick ? 5 : runCount;
  const tree = syntheticTree({ nodes, seed: 17 });
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  for (const store of context.stores) {
    // An untimed round first, as in the scheduling benchmark: the first runs on a store pay for
    // warming up (V8 here; on MongoDB the CI test server's JIT, which took a cold run to 1.7–2.0 ×).
    if (!context.quick) await measure({ store, tree: syntheticTree({ nodes: 200, seed: 17 }), runs: 5 });
    const row = await measure({ store, tree, runs });
    rows.push({ ...row });
    context.log(
      `service ${store}: ${runs} runs × ${nodes} nodes: makespan ${row.makespanMs} ms / bound ${row.lowerBoundMs} ms = ${row.ratio}; ` +
        `GET tree p50/p99 ${row.latency.tree.p50Ms}/${row.latency.tree.p99Ms} ms under load, ${row.treeRequestsPerSecond} req/s idle; ` +
        `events delivered ${row.eventsDelivered}/${row.eventsExpected}, ${row.duplicatesOrGaps} misplaced; ` +
        `server CPU ${row.serverCpuMs} ms, event-loop delay p50/p99 ${row.loopDelayMs.p50}/${row.loopDelayMs.p99} ms`,
    );
    context.log(
      `service ${store}: where a run's ${row.criticalPath} calls long critical chain spent its time (mean per run, per hop): ` +
        row.criticalChain.map((part) => `${part.kind} ${part.msPerRun} ms (${part.msPerHop} × ${part.hopsPerRun})`).join('; '),
    );
    verdicts.push(
      verdict({
        target: `service ${store}: events delivered to every client, of those stored`,
        value: row.eventsDelivered / row.eventsExpected,
        limit: 1,
        kind: 'at-least',
        digits: 4,
      }),
      verdict({
        target: `service ${store}: events received out of the store's order, repeated or under a wrong seq`,
        value: row.duplicatesOrGaps,
        limit: 0,
        kind: 'at-most',
        digits: 0,
      }),
      verdict({
        target: `service ${store}: p99 of GET /v1/runs/:run/tree (${nodes} nodes) while ${runs} runs execute`,
        value: row.latency.tree.p99Ms,
        limit: targets.treeP99Ms,
        kind: 'at-most',
        unit: ' ms',
        digits: 1,
      }),
      verdict({
        target: `service ${store}: makespan of ${runs} runs ÷ combined lower bound`,
        value: row.ratio,
        limit: targets.makespanRatio,
        kind: 'at-most',
        digits: 3,
      }),
    );
  }
  return {
    name: 'service',
    measures: `${runs} runs of ${nodes} nodes started at once through arbor serve with ${runs} stream clients: makespan ÷ bound, route latency, GET tree throughput, event delivery`,
    environment: context.environment,
    quick: context.quick,
    parameters: { runs, nodes, latencyMs, concurrency, seed: 17 },
    rows,
    verdicts,
  };
}

interface Measured extends Omit<ServiceClientsFigures, 'runIds'> {
  store: BenchStoreKind;
  runs: number;
  nodes: number;
  calls: number;
  criticalPath: number;
  lowerBoundMs: number;
  makespanMs: number;
  ratio: number;
  serverCpuMs: number;
  /** The server's event-loop delay while the runs execute (what every timer and answer waits extra). */
  loopDelayMs: { p50: number; p99: number };
  peakRssMiB: number;
  /** The runs' realized critical chains, part by part (see {@link criticalChain}). */
  criticalChain: ReturnType<typeof meanChain>;
}

async function measure(options: { store: BenchStoreKind; tree: SyntheticTree; runs: number }): Promise<Measured> {
  const { tree } = options;
  const bounds = treeBounds(tree);
  const lowerBoundMs = makespanLowerBound(bounds, latencyMs, concurrency);
  const opened = await openBenchStore(options.store);
  const service = await serve({
    store: opened.store,
    port: 0,
    env: { ARBOR_TOKEN: token },
    model: createFakeModel({ tree, latencyMs }),
    pollMs: 1_000,
  });
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  try {
    const cpuBefore = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const clients: ServiceClientsOptions = {
      url: service.url,
      token,
      runs: options.runs,
      prompt: tree.root.title,
      limits: { maxDepth: tree.spec.maxDepth, maxNodes: tree.nodes.length, maxCalls: null, concurrency },
      sampleEveryMs,
    };
    const figures = await runClients(clients);
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    // The runs' own timestamps: from the first run stored to the last one ended.
    const runs = await Promise.all(figures.runIds.map((runId) => opened.store.getRun(runId)));
    for (const run of runs)
      if (run?.status !== 'completed') throw new Error(`run ${run?.id} ended ${run?.status}: ${run?.stopReason?.message ?? ''}`);
    const first = Math.min(...runs.map((run) => Date.parse(run!.createdAt)));
    const last = Math.max(...runs.map((run) => Date.parse(run!.endedAt!)));
    const makespanMs = last - first;
    const chains = await Promise.all(
      runs.map(async (run) =>
        criticalChain({
          run: run!,
          nodes: await opened.store.listNodes(run!.id),
          calls: await opened.store.listCalls(run!.id),
          latencyMs,
        }),
      ),
    );
    const { runIds: _runIds, ...clientFigures } = figures;
    return {
      store: options.store,
      runs: options.runs,
      nodes: tree.nodes.length,
      calls: bounds.calls,
      criticalPath: bounds.criticalPath,
      lowerBoundMs,
      makespanMs,
      ratio: Math.round((makespanMs / lowerBoundMs) * 1000) / 1000,
      ...clientFigures,
      serverCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      loopDelayMs: {
        p50: Math.round(loopDelay.percentile(50) / 1e5) / 10,
        p99: Math.round(loopDelay.percentile(99) / 1e5) / 10,
      },
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      criticalChain: meanChain(chains),
    };
  } finally {
    clearInterval(rssTimer);
    await service.close(0);
    await opened.remove();
  }
}

/** Runs the clients in a child process and returns what they measured. */
async function runClients(options: ServiceClientsOptions): Promise<ServiceClientsFigures> {
  const child = spawn(process.execPath, ['--import', 'tsx', clientsEntry, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the service benchmark's clients exited ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as ServiceClientsFigures;
}
