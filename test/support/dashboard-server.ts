import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { serve, type RunningService } from '../../src/service/index.js';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';
import { ServiceClient } from './service-client.js';

/** A server for a browser suite: its own folder and embedded store, and a client with its token. */
export interface DashboardServer {
  dir: string;
  store: Store;
  service: RunningService;
  client: ServiceClient;
  /** Starts a run in the server from a script's text; returns its id. */
  startRun(prompt: string, script: string, extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** Starts `arbor serve` in this process on a free port, over a fresh embedded store (streams read every 200 ms). */
export async function startDashboardServer(prefix: string, token: string): Promise<DashboardServer> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const store = await openEmbeddedStore(path.join(dir, '.arbor'));
  const service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200 });
  const client = new ServiceClient(service.url, token);
  return {
    dir,
    store,
    service,
    client,
    async startRun(prompt, script, extra = {}) {
      const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, script);
      const answer = await client.post<{ runId: string }>('/v1/runs', { prompt, llm: `script:${file}`, ...extra });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body.runId;
    },
    async close() {
      await service.close(0);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
