import { randomUUID } from 'node:crypto';
import { ArborError, UsageError } from '../../domain/index.js';
import type { EngineEvent } from '../../engine/index.js';
import { postWebhook, type PostWebhookOutcome } from './post-webhook.js';
import { newWebhookDelivery, type WebhookDelivery, type WebhookDeliveryPatch } from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';
import { webhookEventsFor, type WebhookRun } from './webhook-events-for.js';
import type { WebhookPayload } from './webhook-payload.js';
import {
  afterFailedAttempt,
  defaultWebhookRetryPolicy,
  type WebhookRetryPolicy,
} from './webhook-retry-policy.js';
import { webhookTarget, type WebhookTarget } from './webhook-target.js';

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
  /** How long one attempt may take, up to the answer's status (ms, default 10 s). */
  attemptTimeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** Deliveries held in memory (default 1000); the rest wait in the log, the soonest due taken first. */
  maxHeld?: number;
  /** How often the log is read again while some deliveries wait there for room (ms, default 30 s). */
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
 * day has passed. At least once: `start()` picks up what an earlier process left pending. Memory is
 * bounded: at most `maxHeld` deliveries are held, the soonest due; the others wait in the log.
 */
export class WebhookDispatcher {
  /** The receivers, by their URL as stored. */
  private readonly targets = new Map<string, WebhookTarget>();
  private readonly policy: WebhookRetryPolicy;
  private readonly now: () => Date;
  private readonly maxHeld: number;
  /** Deliveries this process works on, as they stand (the log may be a write behind). */
  private readonly held = new Map<string, WebhookDelivery>();
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Deliveries with a write on its way: the log is behind, so they are neither let go nor read back. */
  private readonly writing = new Map<string, number>();
  private readonly writes = new Set<Promise<unknown>>();
  /** Some pending deliveries wait in the log for room: it is swept for them. */
  private overflowed = false;
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;
  /** This dispatcher's name in the claims it takes. */
  private readonly owner = `webhooks-${randomUUID()}`;

  constructor(private readonly options: WebhookDispatcherOptions) {
    if (!options.secret)
      throw new UsageError('webhooks need a secret to sign them with', {
        hint: 'set ARBOR_WEBHOOK_SECRET to a long random string, and check signatures with it in the receiver',
      });
    for (const url of options.urls) {
      const target = webhookTarget(url);
      this.targets.set(target.stored, target);
    }
    this.policy = { ...defaultWebhookRetryPolicy, ...options.retry };
    this.now = options.now ?? (() => new Date());
    this.maxHeld = options.maxHeld ?? 1000;
  }

  /** Picks up the deliveries the log holds pending (an earlier process's too). */
  async start(): Promise<void> {
    if (this.closed || this.sweeper) return;
    this.sweeper = setInterval(() => {
      if (this.overflowed) void this.sweep();
    }, this.options.sweepIntervalMs ?? 30_000).unref();
    await this.sweep();
  }

  /** Queues `payload` for every URL and returns at once; it is stored before its first attempt. */
  enqueue(payload: WebhookPayload): void {
    if (this.closed) throw new ArborError(`webhook event ${payload.id} came after the dispatcher closed`);
    for (const target of this.targets.values()) {
      const delivery = newWebhookDelivery(payload, target.stored, this.now());
      this.write(delivery.id, this.options.log.record(delivery), (recorded) => {
        // Not recorded: already stored, by this process or an earlier one (whose `start` took it).
        if (recorded !== false) this.hold(delivery);
      });
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

  /** Stops timers and aborts attempts in flight, uncounted: the log keeps them pending for a restart. */
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

  /** Holds the soonest due pending deliveries of the log that fit. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    this.overflowed = false;
    try {
      const pending = await this.options.log.listPending(this.maxHeld + this.writing.size);
      for (const delivery of pending) if (!this.writing.has(delivery.id)) this.hold(delivery);
    } catch (error) {
      this.report(error);
    }
  }

  /** Holds a delivery when there is room, or when it is due before one held (which goes back to the log). */
  private hold(delivery: WebhookDelivery): void {
    if (this.closed || this.held.has(delivery.id)) return;
    if (this.held.size >= this.maxHeld) {
      this.overflowed = true;
      const latest = this.latestLetGo();
      if (!latest || dueAt(latest) <= dueAt(delivery)) return;
      this.held.delete(latest.id);
    }
    this.held.set(delivery.id, delivery);
    this.pump();
  }

  /** The held delivery due last that can be let go: not in flight, and stored as it stands. */
  private latestLetGo(): WebhookDelivery | undefined {
    let latest: WebhookDelivery | undefined;
    for (const delivery of this.held.values())
      if (
        !this.inFlight.has(delivery.id) &&
        !this.writing.has(delivery.id) &&
        (!latest || dueAt(delivery) > dueAt(latest))
      )
        latest = delivery;
    return latest;
  }

  /** Starts the due attempts that fit, and sets the timer for the next one due. */
  private pump(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now().getTime();
    const waiting = [...this.held.values()]
      .filter((delivery) => !this.inFlight.has(delivery.id))
      .sort((a, b) => this.dueOf(a) - this.dueOf(b));
    for (const delivery of waiting) {
      const due = this.dueOf(delivery);
      if (due > now) {
        this.timer = setTimeout(() => this.pump(), due - now).unref();
        return;
      }
      if (this.inFlight.size >= (this.options.concurrency ?? 8)) return;
      const attempt = { abort: new AbortController(), done: Promise.resolve() };
      this.inFlight.set(delivery.id, attempt);
      attempt.done = this.attempt(delivery, attempt.abort.signal);
    }
  }

  /** When a held delivery is due: at once for a URL not configured any more, which is given up then. */
  private dueOf(delivery: WebhookDelivery): number {
    return this.targets.has(delivery.url) ? dueAt(delivery) : 0;
  }

  private async attempt(delivery: WebhookDelivery, closing: AbortSignal): Promise<void> {
    if (!(await this.claim(delivery))) {
      // Another process holds it, or made an attempt since this one read it: the log has it now,
      // and a sweep reads it again (that process may die before it is done).
      this.inFlight.delete(delivery.id);
      this.held.delete(delivery.id);
      this.overflowed = true;
      this.pump();
      return;
    }
    const target = this.targets.get(delivery.url);
    const outcome: PostWebhookOutcome | null = !target
      ? null
      : await postWebhook({
          delivery,
          target,
          secret: this.options.secret,
          fetch: this.options.fetch ?? globalThis.fetch,
          timeoutMs: this.options.attemptTimeoutMs ?? 10_000,
          signal: closing,
        });
    // Yield once even without an attempt: the caller's loop goes on before any outcome is handled.
    if (!outcome) await Promise.resolve();
    this.inFlight.delete(delivery.id);
    if (closing.aborted) {
      // Uncounted: its claim is let go, so that the next process tries it at once.
      this.write(delivery.id, this.options.log.update(delivery.id, { claimedBy: null, claimedUntil: null }));
      return;
    }
    const patch = this.afterAttempt(delivery, outcome);
    const next: WebhookDelivery = { ...delivery, ...patch };
    if (next.status === 'pending') this.held.set(next.id, next);
    else this.held.delete(next.id);
    this.write(next.id, this.options.log.update(next.id, patch));
    this.options.onAttempt?.(next);
    if (this.overflowed && next.status !== 'pending') void this.sweep();
    this.pump();
  }

  /**
   * Takes the attempt in the log, so that services sharing a store never both make it; a log that
   * cannot be read is reported and the attempt made anyway (at least once).
   */
  private async claim(delivery: WebhookDelivery): Promise<boolean> {
    const now = this.now();
    const holdMs = 2 * (this.options.attemptTimeoutMs ?? 10_000) + 5_000;
    try {
      return await this.options.log.claim(delivery.id, {
        owner: this.owner,
        attempts: delivery.attempts,
        now: now.toISOString(),
        until: new Date(now.getTime() + holdMs).toISOString(),
      });
    } catch (error) {
      this.report(error);
      return true;
    }
  }

  private afterAttempt(delivery: WebhookDelivery, outcome: PostWebhookOutcome | null): WebhookDeliveryPatch {
    return { ...this.outcomeOf(delivery, outcome), claimedBy: null, claimedUntil: null };
  }

  private outcomeOf(delivery: WebhookDelivery, outcome: PostWebhookOutcome | null): WebhookDeliveryPatch {
    const now = this.now();
    // Left by a process that had another receiver: only the ones configured now get events.
    if (!outcome)
      return {
        status: 'given_up',
        lastError: 'this URL is not configured any more (--webhook)',
        nextAttemptAt: null,
      };
    if (!outcome.delivered)
      return afterFailedAttempt({
        delivery,
        policy: this.policy,
        now,
        status: outcome.status,
        error: outcome.error,
        random: this.options.random,
      });
    const at = now.toISOString();
    return {
      status: 'delivered',
      attempts: delivery.attempts + 1,
      lastStatus: outcome.status,
      lastError: null,
      lastAttemptAt: at,
      nextAttemptAt: null,
      deliveredAt: at,
    };
  }

  /** Tracks a log write about one delivery; a failure is reported, and `then` runs either way. */
  private write<T>(deliveryId: string, write: Promise<T>, then?: (value: T | undefined) => void): void {
    this.writing.set(deliveryId, (this.writing.get(deliveryId) ?? 0) + 1);
    const tracked = write
      .then(
        (value) => value,
        (error: unknown) => {
          this.report(error);
          return undefined;
        },
      )
      .then((value) => {
        const count = (this.writing.get(deliveryId) ?? 1) - 1;
        if (count > 0) this.writing.set(deliveryId, count);
        else this.writing.delete(deliveryId);
        then?.(value);
      });
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
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
