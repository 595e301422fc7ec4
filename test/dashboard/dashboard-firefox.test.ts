import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDecision } from '../../src/api/index.js';
import type { RunningService } from '../../src/service/index.js';
import type { Store } from '../../src/store/index.js';
import { waitFor } from '../support/cli.js';
import { startDashboardServer, type DashboardServer } from '../support/dashboard-server.js';
import { firefoxSkipNotice, haveFirefox, launchFirefox } from '../support/headless-firefox.js';
import type { ServiceClient } from '../support/service-client.js';
import { gateBesideSlowSibling } from '../service/service-scripts.js';

// The dashboard in Firefox too (the Chromium suite beside this one covers every page in depth):
// sign in, read a run's tree and a node, approve from the queue, and see a decision made elsewhere
// take its item away.

const token = 'dashboard-firefox-token-0123456789';
const slow = { timeout: 60_000 };

if (!haveFirefox) console.warn(firefoxSkipNotice);

describe.skipIf(!haveFirefox)('the web dashboard in a headless Firefox', () => {
  let server: DashboardServer;
  let store: Store;
  let service: RunningService;
  let client: ServiceClient;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startDashboardServer('arbor-dashboard-firefox-', token);
    ({ store, service, client } = server);
    browser = await launchFirefox();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const startRun = (prompt: string) => server.startRun(prompt, gateBesideSlowSibling);

  const card = (runId: string) => `article.approval[data-run-id="${runId}"]`;

  it('signs in, reads a run and a node, approves from the queue, and drops an item decided elsewhere', slow, async () => {
    await page.goto(`${service.url}/`);
    await page.waitForSelector('form[aria-labelledby="sign-in-heading"]');
    await page.type('#token', token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('main.runs-page');

    const runId = await startRun('Ship from Firefox');
    await page.waitForSelector(`tr[data-run-id="${runId}"] a`, { timeout: 20_000 });
    await page.click(`tr[data-run-id="${runId}"] a`);
    await page.waitForSelector('.tree-item[data-node-id="0"]');
    await page.waitForSelector('.tree-item[data-status="awaiting_approval"]', { timeout: 20_000 });
    await page.click('.tree-item[data-status="awaiting_approval"] button.node');
    await page.waitForSelector('.node-panel h2');
    expect(await page.evaluate("document.querySelector('.node-panel h2').textContent")).toContain('Ship it');

    await page.click('nav.top a[href="#/approvals"]');
    await page.waitForSelector(card(runId), { timeout: 20_000 });
    await page.click(`${card(runId)} button[data-action="approve"]`);
    await page.waitForSelector(card(runId), { hidden: true });
    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed', 30_000);

    const other = await startRun('Ship another from Firefox');
    await page.waitForSelector(card(other), { timeout: 20_000 });
    const nodeId = (await page.evaluate(`document.querySelector('${card(other)}').getAttribute('data-node-id')`)) as string;
    await recordDecision(store, other, nodeId, { action: 'approve', by: 'someone at a terminal' });
    await page.waitForSelector(card(other), { hidden: true, timeout: 5_000 });
    expect(pageErrors).toEqual([]);
  });
});
