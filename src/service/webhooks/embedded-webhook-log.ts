import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from '../../domain/index.js';
import { JsonLinesFile, type LinePosition } from '../../store/embedded/json-lines-file.js';
import { withLockFile } from '../../store/embedded/with-lock-file.js';
import {
  mayClaim,
  webhookDeliverySchema,
  type WebhookAttemptClaim,
  type WebhookDelivery,
  type WebhookDeliveryPatch,
} from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';

/** Options of {@link EmbeddedWebhookLog}. */
export interface EmbeddedWebhookLogOptions {
  /** The embedded store's folder; the log is `webhooks/deliveries.jsonl` in it. */
  directory: string;
  /** `fsync` every write (default: `ARBOR_FSYNC=1`, like the store). */
  fsync?: boolean;
}

/**
 * The delivery log of the embedded store: `webhooks/deliveries.jsonl` under the store's folder,
 * append-only, one line per write holding the whole delivery (the last line of an id wins). Shared
 * with other processes the way the run journals are: `arbor webhooks RUN` reads what a running
 * service appends. Nothing is written (not even the folder) until the first delivery.
 */
export class EmbeddedWebhookLog implements WebhookDeliveryLog {
  readonly path: string;
  private readonly fsync: boolean;
  private readonly deliveries = new Map<string, WebhookDelivery>();
  private file: JsonLinesFile | null = null;
  private readonly apply = (value: unknown, position: LinePosition): WebhookDelivery => {
    const delivery = position.own ? (value as WebhookDelivery) : parseLine(value, position);
    this.deliveries.set(delivery.id, delivery);
    return delivery;
  };

  constructor(options: EmbeddedWebhookLogOptions) {
    this.path = join(options.directory, 'webhooks', 'deliveries.jsonl');
    this.fsync = options.fsync ?? ['1', 'true'].includes(process.env.ARBOR_FSYNC ?? '');
  }

  record(delivery: WebhookDelivery): Promise<boolean> {
    return settle(() => {
      const file = this.open(true);
      if (this.deliveries.has(delivery.id)) return false;
      file.append(webhookDeliverySchema.parse(delivery), this.apply);
      return true;
    });
  }

  /** Reads the file, checks and appends while holding `deliveries.jsonl.lock`: one claimer of several processes wins. */
  claim(deliveryId: string, claim: WebhookAttemptClaim): Promise<boolean> {
    return this.locked(() => {
      const file = this.open(true);
      const current = this.deliveries.get(deliveryId);
      if (!current || !mayClaim(current, claim)) return false;
      file.append(webhookDeliverySchema.parse({ ...current, claimedBy: claim.owner, claimedUntil: claim.until }), this.apply);
      return true;
    });
  }

  /** Under the lock too: each line holds the whole delivery, so a claim must not copy it from before an update. */
  update(deliveryId: string, patch: WebhookDeliveryPatch): Promise<void> {
    return this.locked(() => {
      const file = this.open(true);
      const current = this.deliveries.get(deliveryId);
      if (!current) throw new StoreError(`no webhook delivery ${deliveryId} in ${this.path}`);
      file.append(webhookDeliverySchema.parse({ ...current, ...patch }), this.apply);
    });
  }

  private locked<T>(work: () => T): Promise<T> {
    mkdirSync(dirname(this.path), { recursive: true });
    const lock = { path: `${this.path}.lock`, id: 'webhook deliveries', owner: 'webhooks', what: this.path };
    return withLockFile(lock, work);
  }

  listByRun(runId: string): Promise<WebhookDelivery[]> {
    return settle(() => {
      this.open(false);
      return [...this.deliveries.values()]
        .filter((delivery) => delivery.runId === runId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    });
  }

  listPending(limit: number): Promise<WebhookDelivery[]> {
    return settle(() => {
      this.open(false);
      return [...this.deliveries.values()]
        .filter((delivery) => delivery.status === 'pending')
        .sort((a, b) => (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? ''))
        .slice(0, limit);
    });
  }

  close(): Promise<void> {
    this.file?.close();
    this.file = null;
    return Promise.resolve();
  }

  /** The file, caught up with what other processes appended; created when `create` and missing. */
  private open(create: true): JsonLinesFile;
  private open(create: boolean): JsonLinesFile | null;
  private open(create: boolean): JsonLinesFile | null {
    if (!this.file) {
      if (create) mkdirSync(dirname(this.path), { recursive: true });
      this.file = JsonLinesFile.open(this.path, { create, fsync: this.fsync });
      if (!this.file) return null;
    }
    this.file.readNew(this.apply);
    return this.file;
  }
}

function parseLine(value: unknown, position: LinePosition): WebhookDelivery {
  const parsed = webhookDeliverySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StoreError(`${position.where} is not a webhook delivery: ${parsed.error.message}`, {
    cause: parsed.error,
    hint: 'remove that line to forget the delivery it held',
  });
}

/** Runs synchronous file work as a promise, so that its errors reject instead of throwing. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
