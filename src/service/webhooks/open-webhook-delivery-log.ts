import { EmbeddedStore, type Store } from '../../store/index.js';
import { EmbeddedWebhookLog } from './embedded-webhook-log.js';
import { MongoWebhookLog } from './mongo-webhook-log.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';

/**
 * The delivery log that lives beside `store`'s runs: a file under the embedded store's folder, or the
 * `webhook_deliveries` collection of the MongoDB store's database. The MongoDB driver is loaded only
 * for a MongoDB store (it already is then).
 */
export async function openWebhookDeliveryLog(store: Store): Promise<WebhookDeliveryLog> {
  if (store instanceof EmbeddedStore) return new EmbeddedWebhookLog({ directory: store.location });
  if (store.kind === 'mongodb') {
    const { MongoStore } = await import('../../store/mongodb/index.js');
    if (store instanceof MongoStore) return MongoWebhookLog.open(store);
  }
  throw new TypeError(`no webhook delivery log for a ${store.kind} store of this kind (${store.location})`);
}
