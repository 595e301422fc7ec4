import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createRun } from '../../src/api/index.js';
import { serve } from '../../src/service/index.js';
import { makeTempDir, waitFor } from '../support/cli.js';
import { harnessStorage } from '../support/harness-storage.js';
import { ServiceClient } from '../support/service-client.js';
import { storesUnderTest } from '../support/stores-under-test.js';
import { eightTasks } from './service-scripts.js';

const token = 'test-token-0123456789abcdef';

describe.each(storesUnderTest())('POST /v1/runs/:run/resume with fromNode on the %s store', (kind) => {
  it('does one node of a completed run again, and refuses a node the run does not have', async () => {
    const dir = await makeTempDir('arbor-serve-redo-');
    const storage = await harnessStorage(kind, dir);
    const store = await storage.open();
    const service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200 });
    onTestFinished(async () => {
      await service.close(0);
      await store.close();
      await storage.remove();
    });
    const client = new ServiceClient(service.url, token);
    const file = path.join(dir, 'script.yaml');
    await writeFile(file, eightTasks);
    const { run } = await createRun({
      store,
      prompt: 'Build it',
      llm: `script:${file}`,
      outDir: path.join(dir, 'out'),
    });
    const completed = async () =>
      (await client.get<{ run: { status: string } }>(`/v1/runs/${run.id}`)).body.run.status === 'completed';
    expect((await client.post(`/v1/runs/${run.id}/resume`)).status).toBe(200);
    await waitFor('the run to complete', completed);
    await waitFor('the server to let the run go', () => !service.runs.drives(run.id));
    const calls = (await store.listCalls(run.id)).length;

    const unknown = await client.post<{ detail: string; fix: string }>(`/v1/runs/${run.id}/resume`, {
      fromNode: '99',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('has no node "99"');
    expect(unknown.body.fix).toBe(`see the node ids: GET /v1/runs/${run.id}/tree`);
    expect((await client.post(`/v1/runs/${run.id}/resume`, { fromNode: 3 })).status).toBe(400);

    const redo = await client.post<{ status: string }>(`/v1/runs/${run.id}/resume`, { fromNode: '3' });
    expect(redo.status, JSON.stringify(redo.body)).toBe(200);
    await waitFor(
      'the redone run to complete',
      async () => !service.runs.drives(run.id) && (await completed()),
    );
    // Task c (node 3) gets its executor and checker again; its seven independent siblings nothing.
    const added = (await store.listCalls(run.id)).slice(calls);
    expect(added.map((call) => `${call.role} ${call.nodeId}`).sort()).toEqual(['checker 3', 'executor 3']);
    const redone = (await store.listEvents(run.id)).filter((event) => event.type === 'redo');
    expect(redone.map((event) => [event.nodeId, event.reason])).toEqual(
      expect.arrayContaining([['3', 'resumed from node 3 by api']]),
    );
  });
});
