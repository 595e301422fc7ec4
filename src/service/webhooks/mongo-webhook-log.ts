import type { Collection, IndexDescription } from 'mongodb';
import { StoreError } from '../../domain/index.js';
import { createMissingIndexes, type MongoStore } from '../../store/mongodb/index.js';
import {
  webhookDeliverySchema,
  type WebhookAttemptClaim,
  type WebhookDelivery,
  type WebhookDeliveryPatch,
} from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';

/** The collection of webhook deliveries in Arbor's database. */
export const webhookDeliveriesCollection = 'webhook_deliveries';

/** Its indexes: plain ones, as DESIGN §4 asks (no partial or TTL options). */
export const webhookDeliveryIndexes: readonly IndexDescription[] = [
  { key: { id: 1 }, name: 'id', unique: true },
  { key: { runId: 1, createdAt: 1 }, name: 'runId_createdAt' },
  { key: { status: 1, nextAttemptAt: 1 }, name: 'status_nextAttemptAt' },
];

const duplicateKey = 11000;
const withoutId = { projection: { _id: 0 } } as const;

/**
 * The delivery log of the MongoDB store: one document per delivery in `webhook_deliveries`, in the
 * store's database, written through the store (so transient failures are retried like its own).
 */
export class MongoWebhookLog implements WebhookDeliveryLog {
  private constructor(private readonly store: MongoStore) {}

  /** The log in the store's database, its indexes created if missing. */
  static async open(store: MongoStore): Promise<MongoWebhookLog> {
    const log = new MongoWebhookLog(store);
    await log.use('creating the webhook delivery indexes', (collection) =>
      createMissingIndexes(collection, webhookDeliveryIndexes),
    );
    return log;
  }

  async record(delivery: WebhookDelivery): Promise<boolean> {
    const valid = webhookDeliverySchema.parse(delivery);
    return this.use(`recording webhook delivery ${valid.id}`, async (collection) => {
      try {
        await collection.insertOne({ ...valid });
        return true;
      } catch (error) {
        // Also a retried insert whose first answer was lost: the delivery is stored either way.
        if (hasCode(error, duplicateKey)) return false;
        throw error;
      }
    });
  }

  async claim(deliveryId: string, claim: WebhookAttemptClaim): Promise<boolean> {
    const { owner, attempts, now, until } = claim;
    // The filter is `mayClaim`: one conditional write, so one claimer wins.
    const result = await this.use(`claiming an attempt of webhook delivery ${deliveryId}`, (collection) =>
      collection.updateOne(
        {
          id: deliveryId,
          status: 'pending',
          attempts,
          $or: [
            { claimedBy: null },
            { claimedBy: { $exists: false } },
            { claimedBy: owner },
            { claimedUntil: null },
            { claimedUntil: { $lt: now } },
          ],
        },
        { $set: { claimedBy: owner, claimedUntil: until } },
      ),
    );
    return result.matchedCount === 1;
  }

  async update(deliveryId: string, patch: WebhookDeliveryPatch): Promise<void> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const result = await this.use(`updating webhook delivery ${deliveryId}`, (collection) =>
      collection.updateOne({ id: deliveryId }, { $set: set }),
    );
    if (result.matchedCount === 0)
      throw new StoreError(`no webhook delivery ${deliveryId} in ${this.store.location}`);
  }

  async listByRun(runId: string): Promise<WebhookDelivery[]> {
    const documents = await this.use(`listing the webhook deliveries of run ${runId}`, (collection) =>
      collection.find({ runId }, withoutId).sort({ createdAt: 1, id: 1 }).toArray(),
    );
    return documents.map(parse);
  }

  async listPending(limit: number): Promise<WebhookDelivery[]> {
    const documents = await this.use('listing pending webhook deliveries', (collection) =>
      collection.find({ status: 'pending' }, withoutId).sort({ nextAttemptAt: 1 }).limit(limit).toArray(),
    );
    return documents.map(parse);
  }

  /** The store owns the connection: closing the log leaves it open. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private use<R>(
    what: string,
    operation: (collection: Collection<WebhookDelivery>) => Promise<R>,
  ): Promise<R> {
    // Writes name their delivery by `id`: a claim is one conditional update, atomic on FerretDB 1.x too.
    return this.store.useCollection<WebhookDelivery, R>(webhookDeliveriesCollection, what, operation, { atomicBy: ['id'] });
  }
}

function parse(document: unknown): WebhookDelivery {
  const parsed = webhookDeliverySchema.safeParse(document);
  if (parsed.success) return parsed.data;
  throw new StoreError(
    `not a valid webhook delivery in ${webhookDeliveriesCollection}: ${parsed.error.message}`,
    {
      cause: parsed.error,
    },
  );
}

function hasCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
