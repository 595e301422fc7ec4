import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun } from '../../api/index.js';
import { openStore, type Store } from '../../store/index.js';
import { makeTempDir, waitFor } from '../../../test/support/cli.js';
import { startWebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { EmbeddedWebhookLog } from './embedded-webhook-log.js';
import { openWebhookDeliveryLog } from './open-webhook-delivery-log.js';
import { verifyWebhookSignature } from './sign-webhook.js';
import { newWebhookDelivery, type WebhookDelivery } from './webhook-delivery.js';
import type { WebhookDeliveryLog } from './webhook-delivery-log.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
import type { WebhookPayload } from './webhook-payload.js';

const secret = 'a long random test secret';
const fastRetries = { baseDelayMs: 5, maxDelayMs: 20, jitter: 0 };

function payload(id: string, runId = 'run-1'): WebhookPayload {
  return { id, type: 'run.completed', runId, at: '2025-01-01T00:00:00.000Z', link: `/v1/runs/${runId}` };
}

/** A dispatcher closed when the test ends; `finished` resolves with deliveries as they stop being pending. */
function dispatcher(options: WebhookDispatcherOptions): {
  dispatcher: WebhookDispatcher;
  finished: (count: number) => Promise<WebhookDelivery[]>;
} {
  const done: WebhookDelivery[] = [];
  const waiters: { count: number; resolve: (deliveries: WebhookDelivery[]) => void }[] = [];
  const created = new WebhookDispatcher({
    onError: (error) => {
      throw error;
    },
    ...options,
    onAttempt: (delivery) => {
      options.onAttempt?.(delivery);
      if (delivery.status === 'pending') return;
      done.push(delivery);
      for (const waiter of waiters) if (done.length >= waiter.count) waiter.resolve([...done]);
    },
  });
  return {
    dispatcher: created,
    finished: (count) =>
      done.length >= count
        ? Promise.resolve([...done])
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

async function embeddedLog(): Promise<WebhookDeliveryLog> {
  return new EmbeddedWebhookLog({ directory: await makeTempDir('arbor-webhooks-') });
}

describe('WebhookDispatcher', () => {
  it('POSTs the payload to every URL with a signature the receiver can verify', async () => {
    const verified: boolean[] = [];
    const first = await startWebhookReceiver((request) => {
      verified.push(
        verifyWebhookSignature(secret, request.body, request.headers['x-arbor-signature'] as string),
      );
      return 204;
    });
    const second = await startWebhookReceiver();
    const log = await embeddedLog();
    const { dispatcher: sender, finished } = dispatcher({ urls: [first.url, second.url], secret, log });
    try {
      sender.enqueue(payload('evt_signed'));
      const delivered = await finished(2);
      expect(
        delivered.map((delivery) => [delivery.url, delivery.status, delivery.attempts, delivery.lastStatus]),
      ).toEqual(
        expect.arrayContaining([
          [first.url, 'delivered', 1, 204],
          [second.url, 'delivered', 1, 200],
        ]),
      );
      expect(verified).toEqual([true]);
      const [request] = first.received;
      expect(JSON.parse(request!.body)).toEqual(payload('evt_signed'));
      expect(request!.headers).toMatchObject({
        'content-type': 'application/json',
        'x-arbor-event': 'run.completed',
        'x-arbor-event-id': 'evt_signed',
      });
      expect(
        verifyWebhookSignature(
          'another secret',
          request!.body,
          request!.headers['x-arbor-signature'] as string,
        ),
      ).toBe(false);
      await sender.settled();
      expect((await log.listByRun('run-1')).map((delivery) => delivery.status)).toEqual([
        'delivered',
        'delivered',
      ]);
    } finally {
      await sender.close();
    }
  });

  it('retries after the receiver answers 500 twice, delivers on the third attempt and stores the attempts', async () => {
    const receiver = await startWebhookReceiver((_request, index) => (index < 2 ? 500 : 200));
    const log = await embeddedLog();
    const seen: WebhookDelivery[] = [];
    const { dispatcher: sender, finished } = dispatcher({
      urls: [receiver.url],
      secret,
      log,
      retry: fastRetries,
      onAttempt: (delivery) => seen.push(delivery),
    });
    try {
      sender.enqueue(payload('evt_retried'));
      const [delivered] = await finished(1);
      expect(
        seen.map((delivery) => [delivery.status, delivery.attempts, delivery.lastStatus, delivery.lastError]),
      ).toEqual([
        ['pending', 1, 500, 'the receiver answered HTTP 500'],
        ['pending', 2, 500, 'the receiver answered HTTP 500'],
        ['delivered', 3, 200, null],
      ]);
      expect(receiver.received.map((request) => request.headers['x-arbor-event-id'])).toEqual([
        'evt_retried',
        'evt_retried',
        'evt_retried',
      ]);
      await sender.settled();
      expect(await log.listByRun('run-1')).toEqual([delivered]);
      expect(delivered).toMatchObject({
        status: 'delivered',
        attempts: 3,
        lastStatus: 200,
        nextAttemptAt: null,
      });
    } finally {
      await sender.close();
    }
  });

  it('makes each attempt once when two services share the log, retries included', async () => {
    const receiver = await startWebhookReceiver((_request, index) => (index < 2 ? 500 : 200));
    const directory = await makeTempDir('arbor-webhooks-');
    const logs = [new EmbeddedWebhookLog({ directory }), new EmbeddedWebhookLog({ directory })];
    // Left pending by an earlier process: both services take it up as they start.
    await logs[0]!.record(newWebhookDelivery(payload('evt_shared'), receiver.url, new Date()));
    const services = logs.map((log) =>
      dispatcher({ urls: [receiver.url], secret, log, retry: fastRetries, sweepIntervalMs: 10 }),
    );
    try {
      await Promise.all(services.map((service) => service.dispatcher.start()));
      const [delivered] = await Promise.race(services.map((service) => service.finished(1)));
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 3, claimedBy: null });
      expect(receiver.received).toHaveLength(3);
      await Promise.all(services.map((service) => service.dispatcher.settled()));
      expect(await logs[1]!.listByRun('run-1')).toEqual([delivered]);
    } finally {
      for (const service of services) await service.dispatcher.close();
    }
  });

  it('still makes an attempt whose claim the log cannot take, and reports why (at least once)', async () => {
    const receiver = await startWebhookReceiver();
    const log = await embeddedLog();
    const failing: WebhookDeliveryLog = {
      record: (delivery) => log.record(delivery),
      claim: () => Promise.reject(new Error('the log is unreadable')),
      update: (deliveryId, patch) => log.update(deliveryId, patch),
      listByRun: (runId) => log.listByRun(runId),
      listPending: (limit) => log.listPending(limit),
      close: () => log.close(),
    };
    const errors: string[] = [];
    const { dispatcher: sender, finished } = dispatcher({
      urls: [receiver.url],
      secret,
      log: failing,
      onError: (error) => errors.push(error.message),
    });
    try {
      sender.enqueue(payload('evt_unclaimed'));
      const [delivered] = await finished(1);
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(receiver.received).toHaveLength(1);
      expect(errors).toEqual(['the log is unreadable']);
    } finally {
      await sender.close();
    }
  });

  it('gives up once the next attempt would come after the give-up time, keeping the last error', async () => {
    const receiver = await startWebhookReceiver();
    await receiver.close(); // nobody listens there any more: connections are refused
    const log = await embeddedLog();
    const { dispatcher: sender, finished } = dispatcher({
      urls: [receiver.url],
      secret,
      log,
      retry: { ...fastRetries, giveUpAfterMs: 30 },
    });
    try {
      sender.enqueue(payload('evt_refused'));
      const [given] = await finished(1);
      expect(given).toMatchObject({ status: 'given_up', lastStatus: null, nextAttemptAt: null });
      expect(given!.attempts).toBeGreaterThanOrEqual(1);
      expect(given!.lastError).toMatch(/ECONNREFUSED/);
      await sender.settled();
      expect((await log.listByRun('run-1'))[0]).toEqual(given);
    } finally {
      await sender.close();
    }
  });

  it('records each delivery once: the same event queued again is not sent again', async () => {
    const receiver = await startWebhookReceiver();
    const log = await embeddedLog();
    const { dispatcher: sender, finished } = dispatcher({ urls: [receiver.url, receiver.url], secret, log });
    try {
      sender.enqueue(payload('evt_once'));
      await finished(1);
      await sender.settled();
      sender.enqueue(payload('evt_once'));
      await sender.settled();
      expect(receiver.received).toHaveLength(1);
      expect(await log.listByRun('run-1')).toHaveLength(1);
    } finally {
      await sender.close();
    }
  });

  it('keeps at most `concurrency` attempts in flight and at most `maxHeld` deliveries in memory, and still sends them all', async () => {
    const answers: ((response: Response) => void)[] = [];
    const fetch = (() =>
      new Promise<Response>((resolve) => answers.push(resolve))) as typeof globalThis.fetch;
    const log = await embeddedLog();
    const { dispatcher: sender, finished } = dispatcher({
      urls: ['http://receiver.invalid/hook'],
      secret,
      log,
      fetch,
      concurrency: 2,
      maxHeld: 3,
    });
    try {
      for (let index = 0; index < 6; index += 1) sender.enqueue(payload(`evt_${index}`));
      await sender.settled();
      await new Promise((resolve) => setImmediate(resolve));
      expect(answers).toHaveLength(2);
      expect(await log.listPending(10)).toHaveLength(6);
      let answered = 0;
      while (answered < 6) {
        await new Promise((resolve) => setImmediate(resolve));
        const next = answers[answered];
        if (!next) continue;
        next(new Response(null, { status: 200 }));
        answered += 1;
      }
      expect((await finished(6)).map((delivery) => delivery.eventId).sort()).toEqual([
        'evt_0',
        'evt_1',
        'evt_2',
        'evt_3',
        'evt_4',
        'evt_5',
      ]);
    } finally {
      await sender.close();
    }
  });

  it('lets a delivery that waits long go back to the log when a fresh one needs its room', async () => {
    const receiver = await startWebhookReceiver((request) => (request.body.includes('evt_dead') ? 500 : 200));
    const log = await embeddedLog();
    const seen: WebhookDelivery[] = [];
    const { dispatcher: sender, finished } = dispatcher({
      urls: [receiver.url],
      secret,
      log,
      maxHeld: 2,
      retry: { baseDelayMs: 60 * 60_000, maxDelayMs: 60 * 60_000, jitter: 0 },
      onAttempt: (delivery) => seen.push(delivery),
    });
    try {
      sender.enqueue(payload('evt_dead_1'));
      sender.enqueue(payload('evt_dead_2'));
      await waitFor('two failed attempts', () => seen.length >= 2);
      await sender.settled();
      expect(seen.map((delivery) => [delivery.eventId, delivery.status]).sort()).toEqual([
        ['evt_dead_1', 'pending'],
        ['evt_dead_2', 'pending'],
      ]);
      // Both held deliveries wait an hour; the fresh event goes out now all the same.
      sender.enqueue(payload('evt_fresh'));
      const [fresh] = await finished(1);
      expect(fresh).toMatchObject({ eventId: 'evt_fresh', status: 'delivered', attempts: 1 });
      await sender.settled();
      expect(
        (await log.listPending(10)).map((delivery) => [delivery.eventId, delivery.attempts]).sort(),
      ).toEqual([
        ['evt_dead_1', 1],
        ['evt_dead_2', 1],
      ]);
    } finally {
      await sender.close();
    }
  });

  it('sends the credentials of a URL as basic authentication and never stores its password', async () => {
    const receiver = await startWebhookReceiver();
    const directory = await makeTempDir('arbor-webhooks-');
    const log = new EmbeddedWebhookLog({ directory });
    const withCredentials = receiver.url.replace('http://', 'http://bot:hunter2@');
    const { dispatcher: sender, finished } = dispatcher({ urls: [withCredentials], secret, log });
    try {
      sender.enqueue(payload('evt_auth'));
      const [delivered] = await finished(1);
      expect(delivered).toMatchObject({
        status: 'delivered',
        url: receiver.url.replace('http://', 'http://bot:***@'),
      });
      expect(receiver.received[0]!.headers.authorization).toBe(
        `Basic ${Buffer.from('bot:hunter2').toString('base64')}`,
      );
      await sender.settled();
      expect(await readFile(log.path, 'utf8')).not.toContain('hunter2');
    } finally {
      await sender.close();
    }
  });

  it('gives up, without an attempt, a pending delivery left for a URL that is not configured any more', async () => {
    const receiver = await startWebhookReceiver();
    const log = await embeddedLog();
    await log.record(newWebhookDelivery(payload('evt_left'), 'https://gone.example.com/hook', new Date()));
    // One whose next attempt was minutes away is given up at the start too, not when it comes due.
    const later = { ...newWebhookDelivery(payload('evt_later'), 'https://gone.example.com/hook', new Date()), attempts: 4 };
    await log.record({ ...later, nextAttemptAt: new Date(Date.now() + 5 * 60_000).toISOString() });
    const { dispatcher: sender, finished } = dispatcher({ urls: [receiver.url], secret, log });
    try {
      await sender.start();
      const given = await finished(2);
      for (const [delivery, attempts] of [[given.find((d) => d.eventId === 'evt_left'), 0], [given.find((d) => d.eventId === 'evt_later'), 4]] as const)
        expect(delivery).toMatchObject({
          status: 'given_up',
          attempts,
          lastError: expect.stringContaining('not configured') as string,
        });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });

  it('refuses to start without a secret or with a URL that is not http(s)', () => {
    const log = new EmbeddedWebhookLog({ directory: '/nonexistent' });
    expect(() => new WebhookDispatcher({ urls: ['http://127.0.0.1/'], secret: '', log })).toThrow(
      expect.objectContaining({
        name: 'UsageError',
        hint: expect.stringContaining('ARBOR_WEBHOOK_SECRET') as string,
      }),
    );
    expect(() => new WebhookDispatcher({ urls: ['ftp://example.com/'], secret, log })).toThrow(
      /not a webhook URL/,
    );
  });
});

const gateScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: build, title: Build the release, description: compile }
        - { key: ship, title: Ship the release, description: publish, dependsOn: [build], requiresApproval: true, approvalReason: customers see it }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

describe('WebhookDispatcher beside a run', () => {
  it('never holds up the run while the receiver hangs, and a new dispatcher over the same log delivers what was left pending', async () => {
    const dir = await makeTempDir('arbor-webhooks-run-');
    const scriptFile = path.join(dir, 'gate.script.yaml');
    await writeFile(scriptFile, gateScript);
    const store: Store = await openStore(path.join(dir, 'store'));
    const receiver = await startWebhookReceiver(() => 'hang');
    const log = await openWebhookDeliveryLog(store);
    const first = new WebhookDispatcher({
      urls: [receiver.url],
      secret,
      log,
      attemptTimeoutMs: 60_000,
      onError: (error) => {
        throw error;
      },
    });
    const run = { id: '' };
    try {
      await first.start();
      // The engine's own callback, called in line with its work: what must never wait on a receiver.
      const handle = await startRun({
        store,
        prompt: 'Ship release 1.2',
        llm: `script:${scriptFile}`,
        outDir: path.join(dir, 'out'),
        waitForApprovals: false,
        onEvent: (event) => first.onEngineEvent(run, event),
      });
      run.id = handle.runId;
      expect((await handle.done).status).toBe('awaiting_approval');

      // The run is over while the receiver still sits on every request it got.
      await first.settled();
      await receiver.waitForRequests(2);
      const pending = await log.listByRun(run.id);
      expect(pending.map((delivery) => [delivery.type, delivery.status, delivery.attempts])).toEqual([
        ['node.awaiting_approval', 'pending', 0],
        ['run.awaiting_approval', 'pending', 0],
      ]);
      expect(pending[0]!.payload.node).toMatchObject({
        title: 'Ship the release',
        status: 'awaiting_approval',
      });
      await first.close();
      expect((await log.listByRun(run.id)).map((delivery) => delivery.status)).toEqual([
        'pending',
        'pending',
      ]);
    } finally {
      await first.close();
      await log.close();
    }

    // A restart: a new log and dispatcher over the same store folder send what the old one left.
    receiver.answer = () => 200;
    const reopened = await openWebhookDeliveryLog(store);
    const { dispatcher: second, finished } = dispatcher({ urls: [receiver.url], secret, log: reopened });
    try {
      await second.start();
      const delivered = await finished(2);
      expect(delivered.map((delivery) => [delivery.type, delivery.status, delivery.attempts]).sort()).toEqual(
        [
          ['node.awaiting_approval', 'delivered', 1],
          ['run.awaiting_approval', 'delivered', 1],
        ],
      );
      const ids = receiver.received.map((request) => (JSON.parse(request.body) as WebhookPayload).id);
      expect(ids.slice(2).sort()).toEqual(ids.slice(0, 2).sort());
      await second.settled();
      expect((await reopened.listByRun(run.id)).map((delivery) => delivery.status)).toEqual([
        'delivered',
        'delivered',
      ]);
    } finally {
      await second.close();
      await reopened.close();
      await store.close();
    }
  });
});
