/**
 * Child-process entry of the service benchmark: the clients of `arbor serve`, in a process of their
 * own as other programs would be (so their JSON parsing does not run on the server's event loop).
 * Starts the runs through `POST /v1/runs` at once, watches each over the event stream, calls the read
 * routes at a steady pace while the runs execute, then measures `GET …/tree` throughput; prints its
 * figures as one JSON line.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Limits } from '../src/domain/index.js';

/** What the parent asks for. */
export interface ServiceClientsOptions {
  url: string;
  token: string;
  runs: number;
  prompt: string;
  limits: Partial<Limits>;
  /** Pause between two sampled route calls (ms). */
  sampleEveryMs: number;
}

/** The routes sampled while the runs execute. */
export const sampledRoutes = ['runs', 'run', 'tree', 'approvals', 'events'] as const;
export type SampledRoute = (typeof sampledRoutes)[number];

/** Latency of one route: count and percentiles. */
export interface RouteLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What the clients measured. */
export interface ServiceClientsFigures {
  runIds: string[];
  latency: Record<SampledRoute, RouteLatency>;
  treeRequestsPerSecond: number;
  eventsExpected: number;
  eventsDelivered: number;
  duplicatesOrGaps: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ServiceClientsOptions;
const { url, token } = options;

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A stream client of one run: the seqs it got, and when it heard that the run ended. */
class Watcher {
  readonly seqs: number[] = [];
  /** Each event received, as `nodeId type at`, to compare with the store's. */
  readonly keys: string[] = [];
  readonly ended: Promise<void>;
  readonly #socket: WebSocket;
  #wake: (() => void) | null = null;

  constructor(readonly runId: string) {
    this.#socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/runs/${runId}/events/stream?after=0`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.ended = new Promise((resolve, reject) => {
      this.#socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { kind: string; seq?: number; status?: string; event?: StoredEvent };
        if (message.kind === 'event') {
          this.seqs.push(message.seq!);
          this.keys.push(eventKey(message.event!));
        }
        else if (message.status === 'completed' || message.status === 'failed') resolve();
        this.#wake?.();
      });
      this.#socket.on('close', (code, reason) => reject(new Error(`stream of ${runId} closed: ${code} ${reason.toString()}`)));
      this.#socket.on('error', reject);
    });
  }

  /** Waits until the client has `count` events. */
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

interface StoredEvent {
  nodeId: string;
  type: string;
  to: string;
  at: string;
}

function eventKey(event: StoredEvent): string {
  return `${event.nodeId} ${event.type} ${event.to} ${event.at}`;
}

/** The run's stored events in order (as keys), paging through `GET …/events`. */
async function storedEvents(runId: string): Promise<string[]> {
  const keys: string[] = [];
  let after = 0;
  for (;;) {
    const page = (await call('GET', `/v1/runs/${runId}/events?after=${after}&limit=5000`)).body as {
      last: number;
      events: Array<{ event: StoredEvent }>;
    };
    if (page.last === after) return keys;
    keys.push(...page.events.map((entry) => eventKey(entry.event)));
    after = page.last;
  }
}

function percentiles(times: number[]): RouteLatency {
  const sorted = times.toSorted((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { count: sorted.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? 0) };
}

const runIds = await Promise.all(
  Array.from({ length: options.runs }, async () => {
    const answer = await call('POST', '/v1/runs', { prompt: options.prompt, limits: options.limits });
    if (answer.status !== 201) throw new Error(`POST /v1/runs answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return (answer.body as { runId: string }).runId;
  }),
);
const watchers = runIds.map((runId) => new Watcher(runId));
let finished = 0;
const ended = Promise.all(watchers.map((watcher) => watcher.ended.then(() => void finished++)));
const samples = new Map<SampledRoute, number[]>(sampledRoutes.map((route) => [route, []]));
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
  const answer = await call('GET', path);
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
  samples.get(route)!.push(performance.now() - before);
  await new Promise((resolve) => setTimeout(resolve, options.sampleEveryMs));
}
await ended;
let eventsExpected = 0;
let eventsDelivered = 0;
let duplicatesOrGaps = 0;
for (const watcher of watchers) {
  const stored = await storedEvents(watcher.runId);
  await watcher.until(stored.length);
  eventsExpected += stored.length;
  // Delivered: the event the store holds at that place, under the right seq. A missed, repeated or
  // misplaced event counts against it (the same event list, in the same order, is the contract).
  const received = new Set(watcher.keys);
  const wrong =
    watcher.seqs.filter((seq, index) => seq !== index + 1).length +
    watcher.keys.filter((key, index) => key !== stored[index]).length;
  duplicatesOrGaps += wrong;
  eventsDelivered += stored.filter((key) => received.has(key)).length;
  watcher.close();
}
// Throughput of GET …/tree on a finished run, four requests at a time for 3 s.
let done = 0;
const until = performance.now() + 3_000;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (performance.now() < until) {
      await call('GET', `/v1/runs/${runIds[0]}/tree`);
      done++;
    }
  }),
);
const figures: ServiceClientsFigures = {
  runIds,
  latency: Object.fromEntries([...samples].map(([route, times]) => [route, percentiles(times)])) as ServiceClientsFigures['latency'],
  treeRequestsPerSecond: Math.round(done / 3),
  eventsExpected,
  eventsDelivered,
  duplicatesOrGaps,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
