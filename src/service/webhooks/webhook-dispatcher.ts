import { ArborError, UsageError } from '../../domain/index.js';
import type { EngineEvent } from '../../engine/index.js';
import { signWebhook } from './sign-webhook.js';
import { newWebhookDelivery, type WebhookDelivery, type WebhookDeliveryPatch } from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';
import { webhookEventsFor, type WebhookRun } from './webhook-events-for.js';
import type { WebhookPayload } from './webhook-payload.js';
import { afterFailedAttempt, defaultWebhookRetryPolicy, type WebhookRetryPolicy } from './webhook-retry-policy.js';

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** Receivers: every event is POSTed to each (`--webhook URL`, `webhooks:` in a config file). */
  urls: readonly string[];
  /** Signs every body (`X-Arbor-Signature`); the service takes it from `ARBOR_WEBHOOK_SECRET`. */
  secret: string;
  /** Where deliveries are kept (see `openWebhookDeliveryLog`); the caller closes it after the dispatcher. */
  log: WebhookDeliveryLog;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  retry?: Partial<WebhookRetryPolicy>;
  /** How long one attempt may take, answer included (ms, default 10 s). */
  attemptTimeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** Deliveries held in memory (default 1000); more wait in the log until the next sweep. */
  maxHeld?: number;
  /** How often the log is read for pending deliveries not held in memory (ms, default 30 s). */
  sweepIntervalMs?: number;
  /** Clock and jitter seams for tests. */
  now?: () => Date;
  random?: () => number;
  /** Told of failures to read or write the log (default: a process warning). Deliveries go on. */
  onError?: (error: Error) => void;
  /** Told of every attempt's outcome, with the delivery as it now stands. */
  onAttempt?: (delivery: WebhookDelivery) => void;
}

/**
 * Sends webhook events to their receivers without ever holding up the caller: `enqueue` stores each
 * (event, URL) delivery and returns at once; attempts run in the background, at most `concurrency`
 * at a time, each bounded by a timeout, retried with capped exponential backoff until delivered or a
 * day has passed. At least once: `start()` picks up what an earlier process left pending.
 */
export class WebhookDispatcher {
  private readonly urls: readonly string[];
  private readonly policy: WebhookRetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly held = new Map<string, WebhookDelivery>();
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Deliveries whose final write is on its way: a sweep must not take them for pending. */
  private readonly finishing = new Set<string>();
  private readonly writes = new Set<Promise<unknown>>();
  /** True when a delivery was left in the log for want of room: it is swept as soon as there is some. */
  private overflowed = false;
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    if (!options.secret)
      throw new UsageError('webhooks need a secret to sign them with', {
        hint: 'set ARBOR_WEBHOOK_SECRET to a long random string, and check signatures with it in the receiver',
      });
    for (const url of options.urls) checkUrl(url);
    this.urls = [...new Set(options.urls)];
    this.policy = { ...defaultWebhookRetryPolicy, ...options.retry };
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
  }

  /** Picks up the deliveries the log holds pending (an earlier process's too) and sweeps the log from now on. */
  async start(): Promise<void> {
    if (this.closed || this.sweeper) return;
    this.sweeper = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 30_000).unref();
    await this.sweep();
  }

  /** Queues `payload` for every URL and returns at once; it is stored before its first attempt. */
  enqueue(payload: WebhookPayload): void {
    if (this.closed) throw new ArborError(`webhook event ${payload.id} came after the dispatcher closed`);
    for (const url of this.urls) {
      const delivery = newWebhookDelivery(payload, url, this.now());
      this.track(
        this.options.log.record(delivery).then(
          (recorded) => recorded && this.hold(delivery),
          (error: unknown) => {
            this.report(error);
            this.hold(delivery);
          },
        ),
      );
    }
  }

  /** Queues the webhook events an engine event calls for (see `webhookEventsFor`). */
  onEngineEvent(run: WebhookRun, event: EngineEvent): void {
    for (const payload of webhookEventsFor(event, run)) this.enqueue(payload);
  }

  /** Resolves once the log writes queued so far are done. */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  /** Stops timers and aborts attempts in flight, unrecorded: the log keeps them pending for a restart. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    const attempts = [...this.inFlight.values()];
    for (const attempt of attempts) attempt.abort.abort();
    await Promise.all(attempts.map((attempt) => attempt.done));
    await this.settled();
    this.held.clear();
  }

  private async sweep(): Promise<void> {
    const maxHeld = this.options.maxHeld ?? 1000;
    if (this.closed || this.held.size >= maxHeld) return;
    this.overflowed = false;
    try {
      // The soonest due come first, held ones among them: enough to fill the room left.
      const pending = await this.options.log.listPending(maxHeld + this.finishing.size);
      for (const delivery of pending) if (!this.finishing.has(delivery.id)) this.hold(delivery);
    } catch (error) {
      this.report(error);
    }
  }

  private hold(delivery: WebhookDelivery): void {
    if (this.closed || this.held.has(delivery.id)) return;
    if (this.held.size >= (this.options.maxHeld ?? 1000)) {
      this.overflowed = true;
      return;
    }
    this.held.set(delivery.id, delivery);
    this.pump();
  }

  /** Starts the due attempts that fit, and sets the timer for the next one due. */
  private pump(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now().getTime();
    const waiting = [...this.held.values()]
      .filter((delivery) => !this.inFlight.has(delivery.id))
      .sort((a, b) => dueAt(a) - dueAt(b));
    for (const delivery of waiting) {
      const due = dueAt(delivery);
      if (due > now) {
        this.timer = setTimeout(() => this.pump(), due - now).unref();
        return;
      }
      if (this.inFlight.size >= (this.options.concurrency ?? 8)) return;
      const entry = { abort: new AbortController(), done: Promise.resolve() };
      this.inFlight.set(delivery.id, entry);
      entry.done = this.attempt(delivery, entry.abort.signal);
    }
  }

  private async attempt(delivery: WebhookDelivery, closing: AbortSignal): Promise<void> {
    const timeoutMs = this.options.attemptTimeoutMs ?? 10_000;
    const body = JSON.stringify(delivery.payload);
    let status: number | null = null;
    let error: string | null = null;
    try {
      // Never on this turn: the caller's loop goes on before any outcome is handled.
      const response = await Promise.resolve().then(() => this.fetch(delivery.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.any([closing, AbortSignal.timeout(timeoutMs)]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'arbor-webhooks',
          'x-arbor-event': delivery.type,
          'x-arbor-event-id': delivery.eventId,
          'x-arbor-signature': signWebhook(this.options.secret, body),
        },
      }));
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) error = `the receiver answered HTTP ${status}`;
    } catch (caught) {
      error = closing.aborted ? null : describeFailure(caught, timeoutMs);
    }
    this.inFlight.delete(delivery.id);
    if (closing.aborted) return;

    const now = this.now();
    const patch: WebhookDeliveryPatch =
      error === null
        ? { status: 'delivered', attempts: delivery.attempts + 1, lastStatus: status, lastError: null, lastAttemptAt: now.toISOString(), nextAttemptAt: null, deliveredAt: now.toISOString() }
        : afterFailedAttempt({ delivery, policy: this.policy, now, status, error, random: this.options.random });
    const next: WebhookDelivery = { ...delivery, ...patch };
    if (next.status === 'pending') this.held.set(next.id, next);
    else {
      this.held.delete(next.id);
      this.finishing.add(next.id);
    }
    this.track(
      this.options.log
        .update(next.id, patch)
        .catch((failure: unknown) => this.report(failure))
        .finally(() => this.finishing.delete(next.id)),
    );
    this.options.onAttempt?.(next);
    if (this.overflowed && next.status !== 'pending') void this.sweep();
    this.pump();
  }

  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private report(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.options.onError) this.options.onError(failure);
    else process.emitWarning(`webhooks: ${failure.message}`);
  }
}

function dueAt(delivery: WebhookDelivery): number {
  return delivery.nextAttemptAt === null ? 0 : Date.parse(delivery.nextAttemptAt);
}

function checkUrl(url: string): void {
  let protocol: string | null = null;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Not a URL at all: said below.
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new UsageError(`not a webhook URL: ${url}`, { hint: 'pass an http:// or https:// URL, e.g. --webhook https://example.com/arbor' });
}

/** Why an attempt got no answer, in words for `arbor webhooks RUN`. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
