import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningService } from '../../src/service/index.js';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';
import { repoRoot, waitFor } from '../support/cli.js';
import { ServiceClient } from '../support/service-client.js';
import { eightTasks } from './service-scripts.js';

const token = 'readme-client-token-0123456789';
const run = promisify(execFile);

/** The README's Node client for the event stream, as written, pointed at `url`. */
async function readmeClient(dir: string, url: string): Promise<string> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```js\n(\/\/ npm install ws[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
  expect(block, 'the README has the event stream client').toBeDefined();
  const ws = pathToFileURL(createRequire(import.meta.url).resolve('ws')).href;
  const file = path.join(dir, 'watch.mjs');
  await writeFile(file, block!.replace("from 'ws'", `from '${ws}'`).replace("'http://127.0.0.1:7070'", `'${url}'`));
  return file;
}

describe("the README's event stream client", () => {
  let store: Store;
  let service: RunningService;
  let client: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'arbor-readme-client-'));
    store = await openEmbeddedStore(path.join(dir, '.arbor'));
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    client = await readmeClient(dir, service.url);
    await writeFile(path.join(dir, 'tasks.yaml'), eightTasks);
  });
  afterAll(async () => {
    await service?.close(0);
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints every event of a run once and exits at its end', { timeout: 30_000 }, async () => {
    const api = new ServiceClient(service.url, token);
    const created = await api.post<{ runId: string }>('/v1/runs', {
      prompt: 'Eight tasks',
      llm: `script:${path.join(path.dirname(client), 'tasks.yaml')}`,
    });
    const { runId } = created.body;
    const watched = run(process.execPath, [client, runId], { env: { ...process.env, ARBOR_TOKEN: token }, timeout: 20_000 });
    await waitFor('the run to complete', async () => (await api.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed');
    const { stdout } = await watched;
    const stored = await store.listEvents(runId);
    expect(stdout.trim().split('\n').map((line) => Number(line.split(' ')[0]))).toEqual(stored.map((_, index) => index + 1));
  });

  it('stops with the reason for a run that does not exist, instead of retrying forever', { timeout: 30_000 }, async () => {
    const failed = await run(process.execPath, [client, 'r-no-such-run'], { env: { ...process.env, ARBOR_TOKEN: token }, timeout: 20_000 }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^stream: no run "r-no-such-run"/m);
  });
});
