import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type RunningService } from '../../src/service/index.js';
import { newWebhookDelivery, openWebhookDeliveryLog, verifyWebhookSignature, webhookTarget } from '../../src/service/webhooks/index.js';
import type { Store } from '../../src/store/index.js';
import { makeTempDir, waitFor } from '../support/cli.js';
import { harnessStorage } from '../support/harness-storage.js';
import { ServiceClient } from '../support/service-client.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { gateBesideSlowSibling, quickTaskThenGate } from './service-scripts.js';

const token = 'test-token-0123456789abcdef';
const secret = 'webhook-secret-for-tests';

describe('arbor serve webhooks', () => {
  let store: Store;
  let service: RunningService | undefined;

  afterEach(async () => {
    await service?.close(0);
    await store.close();
  });

  it('posts signed node and run events, retries a receiver that fails twice, and never holds up the run', { timeout: 60_000 }, async () => {
    const dir = await makeTempDir('arbor-serve-');
    store = await (await harnessStorage('embedded', dir)).open();
    const failing = await startWebhookReceiver((_request, index) => (index < 2 ? 500 : 200));
    const hanging = await startWebhookReceiver(() => 'hang');
    const script = path.join(dir, 'gate.script.yaml');
    await writeFile(script, gateBesideSlowSibling);
    service = await serve({
      store,
      port: 0,
      env: { ARBOR_TOKEN: token, ARBOR_WEBHOOK_SECRET: secret },
      webhooks: [failing.url, hanging.url],
      webhookOptions: { retry: { baseDelayMs: 50, jitter: 0 }, attemptTimeoutMs: 30_000 },
    });
    const client = new ServiceClient(service.url, token);
    const created = await client.post<{ runId: string }>('/v1/runs', { prompt: 'Ship', llm: `script:${script}` });
    const { runId } = created.body;

    // The gate waits: its event reaches the failing receiver on the third attempt.
    await failing.waitForRequests(3);
    const bodies = failing.received.map((request) => JSON.parse(request.body) as { id: string; type: string; runId: string; node?: { title: string }; link: string });
    expect(bodies.map((body) => body.type)).toEqual(['node.awaiting_approval', 'node.awaiting_approval', 'node.awaiting_approval']);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(bodies[0]).toMatchObject({ runId, node: { title: 'Ship it' } });
    expect(bodies[0]!.link).toMatch(new RegExp(`^/v1/runs/${runId}/nodes/`));
    for (const request of failing.received) {
      expect(request.headers['x-arbor-event']).toBe('node.awaiting_approval');
      expect(verifyWebhookSignature(secret, request.body, request.headers['x-arbor-signature'] as string)).toBe(true);
      expect(verifyWebhookSignature('another-secret', request.body, request.headers['x-arbor-signature'] as string)).toBe(false);
    }

    // The hanging receiver answers nothing, and the run goes on to the end all the same.
    const approvals = await client.get<{ approvals: Array<{ nodeId: string }> }>(`/v1/runs/${runId}/approvals`);
    await client.post(`/v1/runs/${runId}/nodes/${approvals.body.approvals[0]!.nodeId}/decision`, { action: 'approve' });
    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed');
    await failing.waitForRequests(4);
    expect(JSON.parse(failing.received[3]!.body)).toMatchObject({ type: 'run.completed', runId, link: `/v1/runs/${runId}` });
    expect(hanging.received.length).toBeGreaterThanOrEqual(1);
  });

  it('posts run.awaiting_approval once only a person can move the run on', { timeout: 60_000 }, async () => {
    const dir = await makeTempDir('arbor-serve-');
    store = await (await harnessStorage('embedded', dir)).open();
    const receiver = await startWebhookReceiver(() => 200);
    const script = path.join(dir, 'gate.script.yaml');
    await writeFile(script, quickTaskThenGate);
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token, ARBOR_WEBHOOK_SECRET: secret }, webhooks: [receiver.url] });
    const client = new ServiceClient(service.url, token);
    const { runId } = (await client.post<{ runId: string }>('/v1/runs', { prompt: 'Ship', llm: `script:${script}` })).body;

    await receiver.waitForRequests(2);
    const types = () => receiver.received.map((request) => (JSON.parse(request.body) as { type: string }).type);
    // Sent side by side, so either may arrive first.
    expect([...types()].sort()).toEqual(['node.awaiting_approval', 'run.awaiting_approval']);
    const waiting = receiver.received.find((request) => request.body.includes('"run.awaiting_approval"'))!;
    expect(JSON.parse(waiting.body)).toMatchObject({ runId, link: `/v1/runs/${runId}` });
    expect(verifyWebhookSignature(secret, waiting.body, waiting.headers['x-arbor-signature'] as string)).toBe(true);

    // A restart during the wait: the stopping drive leaves the run as it was (no event), and the next
    // server's drive finds the same wait (the same id, so not sent again).
    await service.close(0);
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token, ARBOR_WEBHOOK_SECRET: secret }, webhooks: [receiver.url] });
    const again = new ServiceClient(service.url, token);
    const approvals = await again.get<{ approvals: Array<{ nodeId: string }> }>(`/v1/runs/${runId}/approvals`);
    await again.post(`/v1/runs/${runId}/nodes/${approvals.body.approvals[0]!.nodeId}/decision`, { action: 'approve' });
    await waitFor('run.completed', () => types().includes('run.completed'));
    // At least once: a delivery the first server had not stored as answered is sent again, by its id.
    const waits = receiver.received.filter((request) => request.body.includes('"run.awaiting_approval"'));
    expect(new Set(waits.map((request) => (JSON.parse(request.body) as { id: string }).id)).size).toBe(1);
    // Stamped with the stored end, not with when the drive began.
    const completed = JSON.parse(receiver.received.find((request) => request.body.includes('"run.completed"'))!.body) as { at: string };
    const { run } = (await again.get<{ run: { endedAt: string; updatedAt: string } }>(`/v1/runs/${runId}`)).body;
    expect(completed.at).toBe(run.updatedAt);
    expect(completed.at).toBe(run.endedAt);
  });

  it('sends what an earlier server left pending only once it listens: a refused start sends nothing', { timeout: 30_000 }, async () => {
    const dir = await makeTempDir('arbor-serve-');
    store = await (await harnessStorage('embedded', dir)).open();
    const receiver = await startWebhookReceiver(() => 200);
    const deliveries = await openWebhookDeliveryLog(store);
    const payload = { id: 'evt_left', type: 'run.completed' as const, runId: 'run-left', at: new Date().toISOString(), link: '/v1/runs/run-left' };
    expect(await deliveries.record(newWebhookDelivery(payload, webhookTarget(receiver.url).stored, new Date()))).toBe(true);
    await deliveries.close();
    const taken = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    const port = Number(new URL(taken.url).port);
    const options = { store, env: { ARBOR_TOKEN: token, ARBOR_WEBHOOK_SECRET: secret }, webhooks: [receiver.url] };
    await expect(serve({ ...options, port })).rejects.toThrow(`port ${port} on 127.0.0.1 is taken`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toEqual([]);
    await taken.close(0);
    // The same delivery goes out from a start that listens.
    service = await serve({ ...options, port: 0 });
    await receiver.waitForRequests(1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ id: 'evt_left', type: 'run.completed' });
  });

  it('refuses webhooks without ARBOR_WEBHOOK_SECRET, before listening', async () => {
    const dir = await makeTempDir('arbor-serve-');
    store = await (await harnessStorage('embedded', dir)).open();
    service = undefined;
    await expect(serve({ store, port: 0, env: { ARBOR_TOKEN: token }, webhooks: ['http://127.0.0.1:9/hook'] })).rejects.toThrow(
      /webhooks need ARBOR_WEBHOOK_SECRET/,
    );
  });
});
