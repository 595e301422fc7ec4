import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/api/index.js';
import {
  EmbeddedWebhookLog,
  newWebhookDelivery,
  type WebhookDelivery,
} from '../../src/service/webhooks/index.js';
import { openStore } from '../../src/store/index.js';
import { makeTempDir, repoRoot, runCli } from '../support/cli.js';

/** A stored run (it ends waiting for approval) and three deliveries of its events in different states. */
async function runWithDeliveries(): Promise<{
  dir: string;
  storeDir: string;
  runId: string;
  deliveries: WebhookDelivery[];
}> {
  const dir = await makeTempDir('arbor-webhooks-cli-');
  const storeDir = path.join(dir, 'store');
  const store = await openStore(storeDir);
  const script = `script:${path.join(repoRoot, 'examples', 'release-gate.script.yaml')}`;
  const handle = await startRun({
    store,
    prompt: 'Ship release 1.2',
    llm: script,
    outDir: path.join(dir, 'out'),
    waitForApprovals: false,
  });
  await handle.done;
  await store.close();
  const runId = handle.runId;
  const log = new EmbeddedWebhookLog({ directory: storeDir });
  const at = new Date('2025-01-01T12:00:00.000Z');
  const node = { id: '2', title: 'Release to customers', status: 'awaiting_approval' as const };
  const deliveries = [
    newWebhookDelivery(
      {
        id: 'evt_node',
        type: 'node.awaiting_approval',
        runId,
        node,
        at: at.toISOString(),
        link: `/v1/runs/${runId}/nodes/2`,
      },
      'https://hooks.example.com/arbor',
      at,
    ),
    newWebhookDelivery(
      {
        id: 'evt_run',
        type: 'run.awaiting_approval',
        runId,
        at: at.toISOString(),
        link: `/v1/runs/${runId}`,
      },
      'https://hooks.example.com/arbor',
      at,
    ),
    newWebhookDelivery(
      {
        id: 'evt_run',
        type: 'run.awaiting_approval',
        runId,
        at: at.toISOString(),
        link: `/v1/runs/${runId}`,
      },
      'https://bot:hunter2@chat.example.com/in',
      at,
    ),
  ];
  for (const delivery of deliveries) await log.record(delivery);
  await log.update(deliveries[0]!.id, {
    status: 'delivered',
    attempts: 3,
    lastStatus: 200,
    lastError: null,
    nextAttemptAt: null,
    deliveredAt: '2025-01-01T12:00:07.000Z',
  });
  await log.update(deliveries[1]!.id, {
    attempts: 2,
    lastStatus: 500,
    lastError: 'the receiver answered HTTP 500',
    nextAttemptAt: '2025-01-01T12:00:09.000Z',
  });
  await log.update(deliveries[2]!.id, {
    status: 'given_up',
    attempts: 31,
    lastStatus: null,
    lastError: 'no answer within 10000 ms',
    nextAttemptAt: null,
  });
  await log.close();
  return { dir, storeDir, runId, deliveries };
}

describe('arbor webhooks', () => {
  it("lists a run's deliveries with attempts, where each stands and the last error, hiding passwords in URLs", async () => {
    const { dir, storeDir, runId } = await runWithDeliveries();
    const result = await runCli(['webhooks', runId, '--store', storeDir], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/ +/g, ' ')),
    ).toEqual([
      'node.awaiting_approval node 2 delivered 3 attempts https://hooks.example.com/arbor at 2025-01-01 12:00:07',
      'run.awaiting_approval run pending 2 attempts https://hooks.example.com/arbor next 2025-01-01 12:00:09 last error: the receiver answered HTTP 500',
      'run.awaiting_approval run given up 31 attempts https://bot:***@chat.example.com/in last error: no answer within 10000 ms',
    ]);

    const json = await runCli(['webhooks', runId, '--json', '--store', storeDir], { cwd: dir });
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as WebhookDelivery[];
    expect(
      listed.map((delivery) => [delivery.eventId, delivery.status, delivery.attempts, delivery.url]),
    ).toEqual([
      ['evt_node', 'delivered', 3, 'https://hooks.example.com/arbor'],
      ['evt_run', 'pending', 2, 'https://hooks.example.com/arbor'],
      ['evt_run', 'given_up', 31, 'https://bot:***@chat.example.com/in'],
    ]);
    expect(json.stdout).not.toContain('hunter2');
  });

  it('says so for a run without deliveries, and refuses an unknown run with exit 2 and a fix', async () => {
    const { dir, storeDir } = await runWithDeliveries();
    const store = await openStore(storeDir);
    const other = await startRun({
      store,
      prompt: 'Ship release 1.3',
      llm: `script:${path.join(repoRoot, 'examples', 'release-gate.script.yaml')}`,
      outDir: path.join(dir, 'out2'),
      waitForApprovals: false,
    });
    await other.done;
    await store.close();
    const none = await runCli(['webhooks', other.runId, '--store', storeDir], { cwd: dir });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(`No webhook deliveries for run ${other.runId}`);

    const unknown = await runCli(['webhooks', 'no-such-run', '--store', storeDir], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: no run "no-such-run"');
    expect(unknown.stderr).toContain('fix: list runs with `arbor runs`');
  });
});
