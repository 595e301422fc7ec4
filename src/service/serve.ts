import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ScheduleRunner, scheduledRunSpec, type ModelChoice, type ScheduleRunnerOptions, type TraceOptions } from '../api/index.js';
import { checkLlmSpec } from '../api/llm-spec.js';
import { packageRoot } from '../api/package-root.js';
import { UsageError, type Limits, type Run } from '../domain/index.js';
import type { EngineEvent } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { buildService } from './build-service.js';
import { RunEventFeeds } from './run-event-feeds.js';
import { ServiceRuns } from './service-runs.js';
import { chooseServiceToken, keepServiceToken, type ServiceToken } from './service-token.js';
import { openWebhookDeliveryLog, WebhookDispatcher, type WebhookDispatcherOptions } from './webhooks/index.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  store: Store;
  /** Default 127.0.0.1; a host other than loopback needs ARBOR_TOKEN. */
  host?: string;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  /** Limits a run gets when its request sets none. */
  defaultLimits?: Partial<Limits>;
  /** The model a run gets when its request names none. */
  defaultLlm?: string;
  /** A model object of your own for runs whose request names no `llm` (and for their resumes). */
  model?: ModelChoice;
  /** An origin allowed to call from a browser; none by default. */
  corsOrigin?: string | null;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** How often stream feeds read the store for runs driven by other processes (ms, default 1000). */
  pollMs?: number;
  /** How many of a streamed run's latest events the server holds for joining clients (default 2,048; tests make it small). */
  feedKeepEvents?: number;
  /**
   * How many nodes of the runs this server drove to their end it keeps in memory for reads of them
   * (tree, counts, approvals), in all (default 20,000; 0: read them from the store each time).
   */
  keepEndedNodes?: number;
  /** Every engine event of every run this server drives (logs, metrics). */
  onEvent?: (run: Run, event: EngineEvent) => void;
  /** URLs that get a signed POST for each run and node event (README "Webhooks"); needs ARBOR_WEBHOOK_SECRET. */
  webhooks?: readonly string[];
  /** Webhook delivery settings (tests shorten the retries). */
  webhookOptions?: Pick<WebhookDispatcherOptions, 'retry' | 'attemptTimeoutMs' | 'fetch'>;
  /** Lines for the operator: runs driven, resumed, failures. */
  log?: (line: string) => void;
  /** How long `GET /readyz` waits for the store before it answers 503 (ms, default 2,000). */
  readyTimeoutMs?: number;
  /**
   * How often the server looks for open runs whose holder is gone (a server on another host that
   * died, once its MongoDB lease ran out) and takes them up (ms, default 10,000; 0: only at start).
   * See `ServiceRuns.adoptOpen`.
   */
  adoptEveryMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Trace the runs this server drives (OpenTelemetry); unset: no spans. */
  trace?: TraceOptions;
  /**
   * Fire the store's schedules (`arbor schedule`), driving their runs here; false: leave them to
   * other processes (`--no-schedules`). Tests inject the clock.
   */
  schedules?: false | Pick<ScheduleRunnerOptions, 'now' | 'sleep' | 'pollMs' | 'graceMs' | 'recoverAfterMs'>;
}

/** A service that listens. */
export interface RunningService {
  /** `http://HOST:PORT`. */
  url: string;
  token: ServiceToken;
  app: FastifyInstance;
  runs: ServiceRuns;
  /** Runs taken up at start (open runs no live process held). */
  resumed: readonly string[];
  /** Stops taking requests, stops the runs' work (calls in flight may finish for `graceMs`) and waits; the store stays open. */
  close(graceMs?: number): Promise<void>;
}

/**
 * `arbor serve`: drives runs in this process and serves them over HTTP (README "Arbor as a
 * service"). Before listening it takes up the store's open runs that no live process holds, so a
 * restart continues what the last one was driving.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const { store } = options;
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !env.ARBOR_TOKEN?.trim())
    throw new UsageError(`refusing to listen on ${host} without ARBOR_TOKEN: anyone who reaches it could drive runs`, {
      hint: 'set ARBOR_TOKEN to a long random secret (e.g. $(openssl rand -hex 32)), or listen on --host 127.0.0.1',
    });
  // A default model that cannot work is refused now, not at every run's start.
  if (options.defaultLlm !== undefined) checkLlmSpec(options.defaultLlm);
  // Kept (written) only once the server listens: a refused start leaves nothing behind.
  const token = chooseServiceToken(store, env);
  const log = options.log ?? (() => undefined);
  // Opened now (a missing secret is refused before listening), started once the server listens.
  const webhooks = await openWebhooks(options, env, log);
  const feeds = new RunEventFeeds({
    store,
    pollMs: options.pollMs ?? 1_000,
    // A read takes only the seqs after the feed's last, on both stores.
    pokeDelayMs: 100,
    keepEvents: options.feedKeepEvents,
    onError: (error) => log(`event feed: ${(error as Error).message}`),
  });
  const runs = new ServiceRuns({
    store,
    defaultLimits: options.defaultLimits,
    defaultLlm: options.defaultLlm,
    model: options.model,
    trace: options.trace,
    keepEndedNodes: options.keepEndedNodes,
    log,
    onEvent: (run, event) => {
      feeds.poke(run.id);
      webhooks?.onEngineEvent(run, event);
      options.onEvent?.(run, event);
    },
  });
  const app = await buildService({
    store,
    runs,
    feeds,
    token: token.token,
    bodyLimit: options.bodyLimit,
    corsOrigin: options.corsOrigin ?? null,
    version: arborVersion(),
    log,
    readyTimeoutMs: options.readyTimeoutMs,
  });
  let address: string;
  try {
    address = await app.listen({ host, port: options.port ?? 7070 });
  } catch (error) {
    await runs.close(0);
    await app.close();
    await webhooks?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${options.port} on ${host} is taken`, { hint: 'pass another --port (0 picks a free one), or stop what listens there' });
    throw error;
  }
  keepServiceToken(token);
  // Only once it listens: a start refused (a taken port) has driven nothing and sent nothing.
  await webhooks?.start();
  const resumed = await runs.resumeOpen();
  const schedules =
    options.schedules === false
      ? null
      : new ScheduleRunner({
          ...options.schedules,
          store,
          log,
          start: async (schedule, tick) => (await runs.create(scheduledRunSpec(schedule, tick))).id,
        });
  schedules?.start();
  runs.adoptEvery(options.adoptEveryMs ?? 10_000);
  return {
    url: address.replace('[::1]', 'localhost'),
    token,
    app,
    runs,
    resumed,
    async close(graceMs) {
      await schedules?.stop();
      await app.close();
      await runs.close(graceMs);
      // Deliveries still pending stay in the log for the next start.
      await webhooks?.close();
    },
  };
}

/**
 * The webhook dispatcher on the store's delivery log, or null; its `start` picks up what an earlier
 * process left pending.
 */
async function openWebhooks(
  options: ServeOptions,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<Pick<WebhookDispatcher, 'start' | 'onEngineEvent' | 'close'> | null> {
  const urls = options.webhooks ?? [];
  if (urls.length === 0) return null;
  const secret = env.ARBOR_WEBHOOK_SECRET?.trim() ?? '';
  if (secret === '')
    throw new UsageError('webhooks need ARBOR_WEBHOOK_SECRET to sign their bodies with', {
      hint: 'set ARBOR_WEBHOOK_SECRET to a long random string (e.g. $(openssl rand -hex 32)) and check signatures with it in the receiver',
    });
  const deliveryLog = await openWebhookDeliveryLog(options.store);
  const dispatcher = new WebhookDispatcher({
    urls,
    secret,
    log: deliveryLog,
    ...options.webhookOptions,
    onError: (error) => log(`webhooks: ${error.message}`),
  });
  return {
    start: () => dispatcher.start(),
    onEngineEvent: (run, event) => dispatcher.onEngineEvent(run, event),
    async close() {
      await dispatcher.close();
      await deliveryLog.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function arborVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}
