import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Limits } from '../src/domain/index.js';
import { serve, type RunningService } from '../src/service/index.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { openBenchStore, type BenchStoreKind } from './bench-store.js';
import { createFakeModel } from './fake-model.js';
import { syntheticTree, type SyntheticTree } from './synthetic-tree.js';
import { makespanLowerBound, treeBounds } from './tree-bounds.js';
import { verdict, type Verdict } from './verdict.js';

const runCount = 20;
const latencyMs = 100;
const concurrency = 16;
const token = 'bench-token-0123456789abcdef';
const targets = { treeP99Ms: 50, makespanRatio: 1.15 } as const;

/** The routes sampled while the runs execute, by name. */
const sampledRoutes = ['runs', 'run', 'tree', 'approvals', 'events'] as const;
type SampledRoute = (typeof sampledRoutes)[number];

/**
 * Benchmark: `arbor serve` under load. {@link runCount} runs of a 1,000-node synthetic tree
 * (L = 100 ms a call, C = 16 each) are started at once through `POST /v1/runs`, each watched by a
 * WebSocket client from `after=0`, while one more client calls the read routes in turn. Reports the
 * makespan of all runs over their combined lower bound (the runs are independent, so it is one run's
 * `L · max(D, ⌈N/C⌉)`), the routes' p50/p99 latency while the runs execute, requests/s of `GET …/tree`
 * on a finished 1,000-node run, and whether every client got every stored event once, in order.
 */
export async function serviceBenchmark(context: BenchContext): Promise<BenchResult> {
  const nodes = context.quick ? 200 : 1000;
  const runs = context.quick ? 5 : runCount;
  const tree = syntheticTree({ nodes, seed: 17 });
  const rows: Array<Record<string, unknown>> = [];
  const verdicts: Verdict[] = [];
  for (const store of context.stores) {
    const row = await measure({ store, tree, runs });
    rows.push({ ...row });
    context.log(
      `service ${store}: ${runs} runs × ${nodes} nodes: makespan ${row.makespanMs} ms / bound ${row.lowerBoundMs} ms = ${row.ratio}; ` +
        `GET tree p50/p99 ${row.latency.tree.p50Ms}/${row.latency.tree.p99Ms} ms under load, ${row.treeRequestsPerSecond} req/s idle; ` +
        `events delivered ${row.eventsDelivered}/${row.eventsExpected}`,
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

interface Measured {
  store: BenchStoreKind;
  runs: number;
  nodes: number;
  calls: number;
  criticalPath: number;
  lowerBoundMs: number;
  makespanMs: number;
  ratio: number;
  latency: Record<SampledRoute, { count: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  treeRequestsPerSecond: number;
  eventsExpected: number;
  eventsDelivered: number;
  duplicatesOrGaps: number;
  peakRssMiB: number;
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
  const client = new Client(service);
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  try {
    const limits: Partial<Limits> = { maxDepth: tree.spec.maxDepth, maxNodes: tree.nodes.length, maxCalls: null, concurrency };
    const started = performance.now();
    const runIds = await Promise.all(
      Array.from({ length: options.runs }, async () => {
        const answer = await client.call('POST', '/v1/runs', { prompt: tree.root.title, limits });
        if (answer.status !== 201) throw new Error(`POST /v1/runs answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        return (answer.body as { runId: string }).runId;
      }),
    );
    const watchers = runIds.map((runId) => new Watcher(service.url, runId));
    const samples = new Map<SampledRoute, number[]>(sampledRoutes.map((route) => [route, []]));
    let finished = 0;
    const ended = Promise.all(
      watchers.map((watcher) =>
        watcher.ended.then((end) => {
          finished++;
          return end;
        }),
      ),
    );
    // One client reads the routes in turn while the runs execute, as a dashboard would.
    for (let turn = 0; finished < watchers.length; turn++) {
      const runId = runIds[turn % runIds.length]!;
      const route = sampledRoutes[turn % sampledRoutes.length]!;
      const path = {
        runs: '/v1/runs?limit=20',
        run: `/v1/runs/${runId}`,
        tree: `/v1/runs/${runId}/tree`,
        approvals: `/v1/runs/${runId}/approvals`,
        events: `/v1/runs/${runId}/events?after=${turn * 7}&limit=100`,
      }[route];
      const before = performance.now();
      const answer = await client.call('GET', path);
      if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
      samples.get(route)!.push(performance.now() - before);
    }
    const ends = await ended;
    const makespanMs = Math.max(...ends) - started;
    for (const runId of runIds) {
      const run = await client.call('GET', `/v1/runs/${runId}`);
      const status = (run.body as { run: { status: string } }).run.status;
      if (status !== 'completed') throw new Error(`run ${runId} ended ${status}`);
    }
    // Every client's events against the store's, after the last one is numbered.
    let eventsExpected = 0;
    let eventsDelivered = 0;
    let duplicatesOrGaps = 0;
    for (const watcher of watchers) {
      const stored = await client.storedEventCount(watcher.runId);
      await watcher.until(stored);
      eventsExpected += stored;
      eventsDelivered += watcher.seqs.length;
      duplicatesOrGaps += watcher.seqs.filter((seq, index) => seq !== index + 1).length;
      watcher.close();
    }
    const treeRequestsPerSecond = await throughput(client, `/v1/runs/${runIds[0]}/tree`, 3_000);
    return {
      store: options.store,
      runs: options.runs,
      nodes: tree.nodes.length,
      calls: bounds.calls,
      criticalPath: bounds.criticalPath,
      lowerBoundMs,
      makespanMs: Math.round(makespanMs),
      ratio: Math.round((makespanMs / lowerBoundMs) * 1000) / 1000,
      latency: Object.fromEntries(
        [...samples].map(([route, times]) => [route, percentiles(times)]),
      ) as Measured['latency'],
      treeRequestsPerSecond: Math.round(treeRequestsPerSecond),
      eventsExpected,
      eventsDelivered: eventsDelivered - duplicatesOrGaps,
      duplicatesOrGaps,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    clearInterval(rssTimer);
    await service.close(0);
    await opened.remove();
  }
}

/** Requests per second of `GET path`, four at a time, for `durationMs`. */
async function throughput(client: Client, path: string, durationMs: number): Promise<number> {
  let done = 0;
  const until = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until) {
        await client.call('GET', path);
        done++;
      }
    }),
  );
  return done / (durationMs / 1000);
}

function percentiles(times: number[]): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = times.toSorted((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { count: sorted.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? 0) };
}

/** A client of the service's REST routes. */
class Client {
  constructor(private readonly service: RunningService) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  /** How many events the store holds for the run, paging through `GET …/events`. */
  async storedEventCount(runId: string): Promise<number> {
    let after = 0;
    for (;;) {
      const page = (await this.call('GET', `/v1/runs/${runId}/events?after=${after}&limit=5000`)).body as { last: number };
      if (page.last === after) return after;
      after = page.last;
    }
  }
}

/** A stream client of one run: the seqs it got, and when it heard that the run ended. */
class Watcher {
  readonly seqs: number[] = [];
  readonly ended: Promise<number>;
  readonly #socket: WebSocket;
  #wake: (() => void) | null = null;

  constructor(
    url: string,
    readonly runId: string,
  ) {
    this.#socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/runs/${runId}/events/stream?after=0`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.ended = new Promise((resolve, reject) => {
      this.#socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { kind: string; seq?: number; status?: string };
        if (message.kind === 'event') this.seqs.push(message.seq!);
        else if (message.status === 'completed' || message.status === 'failed') resolve(performance.now());
        this.#wake?.();
      });
      this.#socket.on('close', (code, reason) => reject(new Error(`stream of ${runId} closed: ${code} ${reason.toString()}`)));
      this.#socket.on('error', reject);
    });
    this.ended.catch(() => undefined);
  }

  /** Waits until the client has `count` events (they trail the run's end by at most a settle window). */
  async until(count: number): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (this.seqs.length < count && performance.now() < deadline)
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 100);
      });
  }

  close(): void {
    this.#socket.removeAllListeners('close');
    this.#socket.close();
  }
}
