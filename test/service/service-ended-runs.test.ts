import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createRun, getRun, prepareResume, runTreeJson } from '../../src/api/index.js';
import { serve } from '../../src/service/index.js';
import type { Store } from '../../src/store/index.js';
import { makeTempDir, waitFor } from '../support/cli.js';
import { harnessStorage } from '../support/harness-storage.js';
import { ServiceClient } from '../support/service-client.js';
import { storesUnderTest } from '../support/stores-under-test.js';
import { eightTasks } from './service-scripts.js';

const token = 'test-token-0123456789abcdef';

/** The tree as the store holds it: what GET …/tree must answer. */
async function storedTree(store: Store, runId: string): Promise<unknown> {
  return JSON.parse(runTreeJson(await getRun(store, runId), await store.listNodes(runId)));
}

describe.each(storesUnderTest())('reads of a run the server drove to its end, on the %s store', (kind) => {
  it('come from memory while the run is as it ended, and from the store once another process changed it', async () => {
    const dir = await makeTempDir('arbor-serve-ended-');
    const storage = await harnessStorage(kind, dir);
    const store = await storage.open();
    // The server's store, counting the reads of every node of a run, and of runs.
    let nodeReads = 0;
    let runReads = 0;
    const counted = new Proxy(store, {
      get(target, key) {
        if (key === 'listNodes' || key === 'countNodes')
          return (runId: string) => (nodeReads++, target[key](runId));
        if (key === 'getRun') return (runId: string) => (runReads++, target.getRun(runId));
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const service = await serve({ store: counted, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200 });
    const other = await storage.open();
    onTestFinished(async () => {
      await service.close(0);
      await other.close();
      await store.close();
      await storage.remove();
    });
    const client = new ServiceClient(service.url, token);
    const file = path.join(dir, 'script.yaml');
    await writeFile(file, eightTasks);
    const { run } = await createRun({ store, prompt: 'Build it', llm: `script:${file}`, outDir: path.join(dir, 'out') });
    expect((await client.post(`/v1/runs/${run.id}/resume`)).status).toBe(200);
    await waitFor('the server to drive the run to its end', () => !service.runs.drives(run.id));

    nodeReads = 0;
    const tree = await client.get(`/v1/runs/${run.id}/tree`);
    expect(tree.body).toEqual(await storedTree(store, run.id));
    const summary = await client.get<{ run: { status: string }; counts: Record<string, number> }>(`/v1/runs/${run.id}`);
    expect(summary.body.run.status).toBe('completed');
    expect(summary.body.counts).toEqual(await store.countNodes(run.id));
    const listed = await client.get<{ runs: Array<{ counts: Record<string, number> }> }>('/v1/runs');
    expect(listed.body.runs[0]?.counts).toEqual(summary.body.counts);
    expect((await client.get(`/v1/runs/${run.id}/approvals`)).body).toEqual({ approvals: [] });
    expect(nodeReads).toBe(0);

    // Another process (as `arbor resume --from-node`) does node 3 again: its new version must show.
    const redone = await (await prepareResume({ store: other, runId: run.id, fromNode: '3', by: 'test' })).start();
    expect((await redone.done).run.status).toBe('completed');
    runReads = 0;
    const after = await client.get<{ children: Array<{ id: string; version: number }> }>(`/v1/runs/${run.id}/tree`);
    // The stored run, read once: it tells the kept nodes are out of date, and it is the tree's run.
    expect(runReads).toBe(1);
    expect(after.body).toEqual(await storedTree(store, run.id));
    expect(after.body).not.toEqual(tree.body);
    expect(nodeReads).toBe(1);
    // From then on the server reads the store: it did not drive the change.
    expect((await client.get(`/v1/runs/${run.id}`)).status).toBe(200);
    expect(nodeReads).toBe(2);
  });
});
