import { afterAll, describe, expect, it } from 'vitest';
import {
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../../../test/support/mongodb-test-database.js';
import { makeTempDir } from '../../../test/support/cli.js';
import { startWebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { openStore, type Store } from '../../store/index.js';
import { EmbeddedWebhookLog } from './embedded-webhook-log.js';
import { webhookDeliveryIndexes } from './mongo-webhook-log.js';
import { openWebhookDeliveryLog } from './open-webhook-delivery-log.js';
import { verifyWebhookSignature } from './sign-webhook.js';
import { newWebhookDelivery, type WebhookDelivery } from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

function delivery(
  eventId: string,
  runId: string,
  createdSeconds: number,
  url = 'https://hooks.example.com/arbor',
): WebhookDelivery {
  const at = new Date(Date.UTC(2025, 0, 1, 12, 0, createdSeconds));
  return newWebhookDelivery(
    { id: eventId, type: 'run.completed', runId, at: at.toISOString(), link: `/v1/runs/${runId}` },
    url,
    at,
  );
}

/** What both logs promise: the dispatcher and `arbor webhooks RUN` rely on nothing else. */
/** A log to test, another reader of the same log (as a second process would open it), and how to close all. */
interface OpenedLog {
  log: WebhookDeliveryLog;
  reopen: () => Promise<WebhookDeliveryLog>;
  close: () => Promise<void>;
}

function describeDeliveryLog(name: string, open: () => Promise<OpenedLog>) {
  describe(`${name} webhook delivery log`, () => {
    it('stores a delivery once, applies updates, and lists a run’s deliveries oldest first', async () => {
      const { log, close } = await open();
      try {
        const runId = `run-${Math.random().toString(36).slice(2, 10)}`;
        const second = delivery('evt_b', runId, 2);
        const first = delivery('evt_a', runId, 1);
        expect(await log.record(second)).toBe(true);
        expect(await log.record(first)).toBe(true);
        expect(await log.record({ ...first, attempts: 9 })).toBe(false);
        await log.record(delivery('evt_other', `${runId}-other`, 0));
        await log.update(first.id, {
          attempts: 1,
          lastStatus: 500,
          lastError: 'HTTP 500',
          nextAttemptAt: '2025-01-01T12:00:05.000Z',
        });
        expect(await log.listByRun(runId)).toEqual([
          {
            ...first,
            attempts: 1,
            lastStatus: 500,
            lastError: 'HTTP 500',
            nextAttemptAt: '2025-01-01T12:00:05.000Z',
          },
          second,
        ]);
        await expect(log.update('no-such-delivery', { attempts: 1 })).rejects.toThrow(
          /no webhook delivery no-such-delivery/,
        );
      } finally {
        await close();
      }
    });

    it('lists pending deliveries soonest due first, up to a limit, and another reader sees the writes', async () => {
      const { log, reopen, close } = await open();
      const other = await reopen();
      try {
        const runId = `run-${Math.random().toString(36).slice(2, 10)}`;
        const [late, soon, done] = [
          delivery('evt_late', runId, 9),
          delivery('evt_soon', runId, 3),
          delivery('evt_done', runId, 1),
        ];
        for (const each of [late, soon, done]) await log.record(each);
        await log.update(done.id, {
          status: 'delivered',
          attempts: 1,
          lastStatus: 200,
          nextAttemptAt: null,
          deliveredAt: soon.createdAt,
        });
        const mine = (deliveries: WebhookDelivery[]) =>
          deliveries.filter((each) => each.runId === runId).map((each) => each.eventId);
        expect(mine(await log.listPending(100))).toEqual(['evt_soon', 'evt_late']);
        expect(mine(await other.listPending(100))).toEqual(['evt_soon', 'evt_late']);
        expect((await other.listByRun(runId)).map((each) => each.status)).toEqual([
          'delivered',
          'pending',
          'pending',
        ]);
        expect(await log.listPending(1)).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it('lets exactly one of several readers claim an attempt, until the claim lasts no more or an attempt was made', async () => {
      const { log, reopen, close } = await open();
      const others = [await reopen(), await reopen()];
      try {
        const runId = `run-${Math.random().toString(36).slice(2, 10)}`;
        const pending = delivery('evt_claimed', runId, 0);
        await log.record(pending);
        const claim = (owner: string, now: number, attempts = 0) => ({
          owner,
          attempts,
          now: new Date(Date.UTC(2025, 0, 1, 12, 1, now)).toISOString(),
          until: new Date(Date.UTC(2025, 0, 1, 12, 1, now + 20)).toISOString(),
        });
        const claims = await Promise.all(
          [log, ...others].map((reader, index) => reader.claim(pending.id, claim(`p${index}`, 0))),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        const winner = `p${claims.indexOf(true)}`;
        const loser = winner === 'p0' ? 'p1' : 'p0';
        expect(await others[1]!.claim(pending.id, claim(loser, 10))).toBe(false);
        // Its holder may claim it again; once the hold is over, anyone may.
        expect(await log.claim(pending.id, claim(winner, 10))).toBe(true);
        expect(await others[0]!.claim(pending.id, claim(loser, 31))).toBe(true);
        expect(await log.listByRun(runId)).toMatchObject([{ claimedBy: loser, attempts: 0 }]);
        // An attempt made and stored: a claim of what the claimer saw before it fails.
        await others[0]!.update(pending.id, { attempts: 1, lastStatus: 500, claimedBy: null, claimedUntil: null });
        expect(await others[1]!.claim(pending.id, claim(winner, 32))).toBe(false);
        expect(await others[1]!.claim(pending.id, claim(winner, 32, 1))).toBe(true);
        await log.update(pending.id, { status: 'delivered', attempts: 2, claimedBy: null, claimedUntil: null });
        expect(await log.claim(pending.id, claim(winner, 90, 2))).toBe(false);
        expect(await log.claim('no-such-delivery', claim(winner, 0))).toBe(false);
      } finally {
        for (const other of others) await other.close();
        await close();
      }
    });

    it('backs a dispatcher that delivers signed events', async () => {
      const { log, close } = await open();
      const receiver = await startWebhookReceiver();
      let delivered: (delivery: WebhookDelivery) => void = () => undefined;
      const attempted = new Promise<WebhookDelivery>((resolve) => (delivered = resolve));
      const sender = new WebhookDispatcher({
        urls: [receiver.url],
        secret: 's3cret',
        log,
        onAttempt: (each) => delivered(each),
        onError: (error) => {
          throw error;
        },
      });
      try {
        const runId = `run-${Math.random().toString(36).slice(2, 10)}`;
        sender.enqueue(delivery('evt_signed', runId, 0).payload);
        expect(await attempted).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
        await sender.settled();
        expect(await log.listByRun(runId)).toEqual([await attempted]);
        const [request] = receiver.received;
        expect(
          verifyWebhookSignature('s3cret', request!.body, request!.headers['x-arbor-signature'] as string),
        ).toBe(true);
      } finally {
        await sender.close();
        await close();
      }
    });
  });
}

describeDeliveryLog('embedded', async () => {
  const directory = await makeTempDir('arbor-webhook-log-');
  const store = await openStore(directory);
  const log = await openWebhookDeliveryLog(store);
  const others: WebhookDeliveryLog[] = [];
  return {
    log,
    reopen: () => {
      const other = new EmbeddedWebhookLog({ directory });
      others.push(other);
      return Promise.resolve(other);
    },
    close: async () => {
      for (const each of [log, ...others]) await each.close();
      await store.close();
    },
  };
});

describe.skipIf(mongoTestUri === undefined)('on MongoDB', () => {
  const databases: string[] = [];
  afterAll(() => dropTestDatabases(databases));
  const uriOf = (name: string) => {
    const url = new URL(mongoTestUri!);
    url.pathname = `/${name}`;
    return url.toString();
  };

  describeDeliveryLog('MongoDB', async () => {
    const name = testDatabaseName('webhooks');
    databases.push(name);
    const stores: Store[] = [await openStore(uriOf(name))];
    const log = await openWebhookDeliveryLog(stores[0]!);
    return {
      log,
      reopen: async () => {
        const other = await openStore(uriOf(name));
        stores.push(other);
        return openWebhookDeliveryLog(other);
      },
      close: async () => {
        for (const store of stores) await store.close();
      },
    };
  });

  it('creates the webhook_deliveries indexes', async () => {
    const name = testDatabaseName('webhook_indexes');
    databases.push(name);
    const store = await openStore(uriOf(name));
    try {
      await openWebhookDeliveryLog(store);
      const { MongoStore } = await import('../../store/mongodb/index.js');
      if (!(store instanceof MongoStore)) throw new Error('not a MongoDB store');
      const names = await store.useCollection('webhook_deliveries', 'listing indexes', (collection) =>
        collection.indexes(),
      );
      expect(names.map((index) => index.name)).toEqual(
        expect.arrayContaining(webhookDeliveryIndexes.map((index) => index.name)),
      );
    } finally {
      await store.close();
    }
  });
});
