import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSchedule } from '../../src/api/index.js';
import { serve, type RunningService } from '../../src/service/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTempDir, repoRoot, waitFor } from '../support/cli.js';
import { ServiceClient } from '../support/service-client.js';

const token = 'test-token-0123456789abcdef';
const llm = `script:${path.join(repoRoot, 'test', 'fixtures', 'plans', 'demo.script.yaml')}`;
const planText = `name: weekly
params:
  who: { type: string, required: true }
steps:
  - { key: greet, title: Greet, prompt: 'Greet {{params.who}}' }
`;

describe('arbor serve with schedules', () => {
  let store: Store;
  let service: RunningService | null;
  /** The server's clock: Monday 5 January 2026, a second before nine (UTC). */
  let clock: Date;

  beforeEach(async () => {
    store = await openStore(await makeTempDir('arbor-serve-schedules-'));
    clock = new Date('2026-01-05T08:59:59.000Z');
    service = null;
    await addSchedule({
      store,
      name: 'weekly',
      cron: '0 9 * * 1',
      timezone: 'UTC',
      plan: { text: planText, source: 'weekly.yaml' },
      params: { who: 'Ada' },
      llm,
      now: new Date('2026-01-01T00:00:00.000Z'),
    });
    // Added long ago, last fired the Monday before: nothing is due until nine.
    await store.claimScheduleTick('weekly', { kind: 'fire', tick: '2025-12-29T09:00:00.000Z', skipped: 0 });
  });
  afterEach(async () => {
    await service?.close(0);
    await store.close();
  });

  const start = async (schedules: false | { now: () => Date; pollMs: number }) => {
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200, schedules });
    return new ServiceClient(service.url, token);
  };

  it('fires a tick as it comes and drives its run in the server, which names the schedule', async () => {
    const client = await start({ now: () => clock, pollMs: 10 });
    clock = new Date('2026-01-05T09:00:01.000Z');
    await waitFor('the tick to start a run', async () => (await store.getSchedule('weekly'))?.lastRunId !== null);
    const { lastRunId, fired } = (await store.getSchedule('weekly'))!;
    expect(fired).toBe(2);
    await waitFor('the run to complete', async () => (await store.getRun(lastRunId!))?.status === 'completed');
    const { body } = await client.get<{ run: { schedule?: unknown; plan?: unknown } }>(`/v1/runs/${lastRunId}`);
    expect(body.run.schedule).toEqual({ name: 'weekly', tick: '2026-01-05T09:00:00.000Z' });
    expect(body.run.plan).toMatchObject({ name: 'weekly', params: { who: 'Ada' } });
    const nodes = await store.listNodes(lastRunId!);
    expect(nodes.find((node) => node.key === 'greet')?.description).toBe('Greet Ada');
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('fires nothing with schedules turned off (--no-schedules)', async () => {
    await start(false);
    clock = new Date('2026-01-05T09:00:01.000Z');
    // The server started its look-ups long ago if it had any: the schedule is as it was.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.getSchedule('weekly'))?.fired).toBe(1);
    expect(await store.listRuns()).toEqual([]);
  });
});
