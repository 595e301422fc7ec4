import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serve as serveFromSource, type RunningService } from '../../src/service/index.js';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';
import { repoRoot } from '../support/cli.js';

const token = 'dashboard-assets-token-0123456789';

describe('the dashboard files', () => {
  let dir: string | undefined;
  let store: Store | undefined;
  let service: RunningService | undefined;
  afterEach(async () => {
    await service?.close(0);
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function start(serve: typeof serveFromSource): Promise<string> {
    dir = await mkdtemp(path.join(tmpdir(), 'arbor-dashboard-assets-'));
    store = await openEmbeddedStore(path.join(dir, '.arbor'));
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    return service.url;
  }

  it('serves the page, its scripts and its libraries without a token, and no data without one', async () => {
    const url = await start(serveFromSource);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(
      /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'; .*connect-src 'self'/,
    );
    const html = await page.text();
    expect(html).toContain('"preact": "/dashboard/vendor/preact.js"');
    expect(html).not.toMatch(/https?:\/\//); // every asset comes from Arbor itself
    for (const asset of [
      '/dashboard/app.js',
      '/dashboard/style.css',
      '/dashboard/vendor/preact.js',
      '/dashboard/vendor/preact-hooks.js',
      '/dashboard/vendor/htm.js',
      '/dashboard/vendor/mermaid.js',
    ]) {
      const answer = await fetch(`${url}${asset}`);
      expect(answer.status, asset).toBe(200);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      await answer.arrayBuffer();
    }
    expect((await fetch(`${url}/v1/runs`)).status).toBe(401);
    expect((await fetch(`${url}/v1/runs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
  });

  it('serves only its own files, by exact name', async () => {
    const url = await start(serveFromSource);
    for (const probe of [
      '/dashboard/..%2Fdashboard-routes.ts',
      '/dashboard/%2e%2e%2f%2e%2e%2fserve.ts',
      '/dashboard/vendor/preact.d.ts',
      '/dashboard/nothing.js',
      '/dashboard/vendor/..%2F..%2Fpackage.json',
    ])
      expect((await fetch(`${url}${probe}`)).status, probe).toBe(404);
  });

  it('finds the files from the compiled dist/ too', async () => {
    const compiled = (await import(
      pathToFileURL(path.join(repoRoot, 'dist', 'service', 'index.js')).href
    )) as { serve: typeof serveFromSource };
    const url = await start(compiled.serve);
    expect((await fetch(`${url}/dashboard/app.js`)).status).toBe(200);
    expect(await (await fetch(`${url}/`)).text()).toContain('<script type="module" src="/dashboard/app.js">');
  });
});
