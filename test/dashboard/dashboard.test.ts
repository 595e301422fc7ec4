import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDecision } from '../../src/api/index.js';
import type { RunningService } from '../../src/service/index.js';
import type { Store } from '../../src/store/index.js';
import { markReady, storeBigTreeRun } from '../support/big-tree-run.js';
import { repoRoot, waitFor } from '../support/cli.js';
import { startDashboardServer, type DashboardServer } from '../support/dashboard-server.js';
import { escalationScript } from '../support/escalation-script.js';
import { chromiumSkipNotice, haveChromium, launchChromium } from '../support/headless-chromium.js';
import type { ServiceClient } from '../support/service-client.js';
import { gateBesideSlowSibling, quickTaskThenGate, sixSlowTasks } from '../service/service-scripts.js';

/** One task behind an approval gate. */
const oneGate = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: docs, title: Publish the docs, description: 'to the public site', requiresApproval: true, approvalReason: 'the public sees it' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.description}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/**
 * A gate with a long title and a long reason beside a task that splits after a while: its part
 * "Polish the needle part" is planned well after the page opened.
 */
const wideGateBesideLateParts = (gateTitle: string) => `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: wide, title: '${gateTitle}', description: 'publish', requiresApproval: true, approvalReason: '${'customers read every word of it, '.repeat(6)}so a person looks first' }
        - { key: later, title: Build the parts later, description: 'splits after a while' }
  - role: executor
    title: '^Build the parts later$'
    depth: 1
    delayMs: 2500
    respond: { action: decompose, reason: 'two parts' }
  - role: planner
    title: '^Build the parts later$'
    respond:
      tasks:
        - { key: needle, title: Polish the needle part, description: 'found by the search' }
        - { key: hay, title: Stack the hay, description: 'not found' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

const token = 'dashboard-test-token-0123456789';
const slow = { timeout: 60_000 };
/** The README's screenshots are retaken with ARBOR_SCREENSHOTS=1; otherwise they go to the test's folder. */
const retakeScreenshots = process.env.ARBOR_SCREENSHOTS === '1';

if (!haveChromium) console.warn(chromiumSkipNotice);

describe.skipIf(!haveChromium)('the web dashboard in a headless Chromium', () => {
  let server: DashboardServer;
  let dir: string;
  let store: Store;
  let service: RunningService;
  let client: ServiceClient;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let demoRun: string;
  let gateRun: string;
  /** Errors the page threw and what its Content-Security-Policy refused: none, at the end. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startDashboardServer('arbor-dashboard-', token);
    ({ dir, store, service, client } = server);
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const images = () => (retakeScreenshots ? path.join(repoRoot, 'docs', 'images') : dir);

  /** Starts a run in the server from a script's text. */
  const startRun = (prompt: string, script: string, extra: Record<string, unknown> = {}) =>
    server.startRun(prompt, script, extra);

  async function waitForRun(runId: string, status: string): Promise<void> {
    await waitFor(
      `run ${runId} ${status}`,
      async () =>
        (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === status,
    );
  }

  interface StoredChild {
    title: string;
    approval: { decision: Record<string, unknown> } | null;
  }

  async function children(runId: string): Promise<StoredChild[]> {
    return (await client.get<{ root: { children: StoredChild[] } }>(`/v1/runs/${runId}/tree`)).body.root
      .children;
  }

  const card = (runId: string) => page.locator(`article.approval[data-run-id="${runId}"]`);
  const row = (nodeId: string) => page.locator(`.tree-item[data-node-id="${nodeId}"]`).first();

  it('asks for the token first, and shows nothing else without it', slow, async () => {
    await page.goto(`${service.url}/`);
    await page.locator('form[aria-labelledby="sign-in-heading"]').waitFor();
    expect(await page.locator('nav.top').count()).toBe(0);
    // The page and its scripts are public; the data is not.
    expect(await page.evaluate("fetch('/v1/runs').then((answer) => answer.status)")).toBe(401);
    await page.fill('#token', 'not the token');
    await page.click('button[type=submit]');
    await page.locator('form .error').waitFor();
    await page.fill('#token', token);
    await page.fill('#person', 'Ana in the browser');
    await page.keyboard.press('Enter');
    await page.locator('main.runs-page').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('arbor-token')")).toBe(token);
  });

  it("watches the demo run's tree grow live, and opens a node to read its prompts", slow, async () => {
    // The demo, five times slower, so the tree grows while the page watches.
    const demo = (await readFile(path.join(repoRoot, 'examples', 'demo.script.yaml'), 'utf8')).replace(
      /delayMs: (\d+)/g,
      (_, ms: string) => `delayMs: ${Number(ms) * 5}`,
    );
    demoRun = await startRun('Build a small todo web app', demo);
    await page.locator(`tr[data-run-id="${demoRun}"] a`).first().click();
    await row('0').waitFor();
    await page.evaluate('window.notReloaded = true');
    const first = await page.locator('.tree-item').count();
    await row('2.2.1').waitFor({ timeout: 30_000 }); // depth 3: planned well after the page opened
    expect(first).toBeLessThan(await page.locator('.tree-item').count());
    // While it runs, the header says at least how much is left, from the pace of the finished nodes.
    expect(await page.locator('.run-header .estimate').innerText({ timeout: 30_000 })).toMatch(/^≈ .+ left \(\d+ nodes to go\)$/);
    await page
      .locator('.tree-item[data-node-id="5"][data-status="awaiting_approval"]')
      .waitFor({ timeout: 30_000 });
    // The gate waits from the start; the rest of the run goes on up to it.
    await page.locator('.tree-item[data-node-id="4"][data-status="completed"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await page.locator('.run-header .count.status-awaiting_approval').innerText()).toContain(
      '1 awaiting_approval',
    );

    await page.locator('button', { hasText: 'Dependency graph' }).click();
    await page.locator('.graph-svg svg').waitFor({ timeout: 20_000 });
    expect(await page.locator('.graph-svg').innerText()).toContain('Deploy to production');

    // A finished subtree is folded; from the keyboard: down past the data model and the folded API branch to the web UI.
    expect(await row('2').getAttribute('aria-expanded')).toBe('false');
    expect(await row('2').locator('> .row > .folded').innerText()).toBe('+5 nodes folded');
    await row('0').locator('> .row > button.node').focus();
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'Enter']) await page.keyboard.press(key);
    const panel = page.locator('.node-panel');
    await panel.locator('h2', { hasText: 'Build the web UI' }).waitFor();
    expect(await panel.locator('.check-fail').innerText()).toContain('Nothing to do yet');
    const call = panel.locator('details.call[data-role="executor"]').first();
    await call.locator('summary').click();
    expect(await call.locator('pre.prompt').last().innerText()).toContain('Build the web UI');
    await call.locator('summary').click();
    // An artifact opens from the run's output folder, fetched with the token.
    const artifact = panel.locator('details.artifact').first();
    await artifact.locator('summary').click();
    const expected = await artifact.locator('pre.text').innerText();
    const [opened] = await Promise.all([
      page.context().waitForEvent('page'),
      artifact.locator('button', { hasText: "Open the file from the run's output folder" }).click(),
    ]);
    await opened.waitForLoadState();
    expect((await opened.locator('body').innerText()).trim()).toBe(expected.trim());
    await opened.close();
    await artifact.locator('summary').click();
    await panel.locator('h2').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(images(), 'dashboard-run.png') });
    expect(pageErrors).toEqual([]);
  });

  it('approves the deployment from the queue and sees its branch finish', slow, async () => {
    gateRun = await startRun('Ship the release', gateBesideSlowSibling);
    await page.locator('nav.top a[href="#/approvals"]').click();
    await card(demoRun).waitFor();
    await card(gateRun).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(images(), 'dashboard-approvals.png') });

    await card(demoRun).locator('button[data-action="approve"]').click();
    await card(demoRun).waitFor({ state: 'detached' });
    await page.goto(`${service.url}/#/runs/${demoRun}`);
    await page.locator('.tree-item[data-node-id="5"][data-status="completed"]').waitFor({ timeout: 30_000 });
    await page.locator('.run-header .badge.run-completed').waitFor({ timeout: 10_000 });
    const decided = await client.get<{ node: { approval: { decision: { action: string; by: string } } } }>(
      `/v1/runs/${demoRun}/nodes/5`,
    );
    expect(decided.body.node.approval.decision).toMatchObject({
      action: 'approve',
      by: 'Ana in the browser',
    });
  });

  it('rejects with a comment on a second run', slow, async () => {
    await page.locator('nav.top a[href="#/approvals"]').click();
    const gate = card(gateRun);
    await gate.waitFor();
    await gate.locator('button[data-action="reject"]').click();
    expect(await gate.locator('.error').innerText()).toMatch(/comment/);
    await gate.locator('textarea.comment').fill('not this week: the release freeze');
    await gate.locator('button[data-action="reject"]').click();
    await gate.waitFor({ state: 'detached' });
    const nodeId = (await client.get<{ approvals: unknown[] }>(`/v1/runs/${gateRun}/approvals`)).body
      .approvals.length;
    expect(nodeId).toBe(0);
    const tree = await client.get<{
      root: {
        children: Array<{
          id: string;
          title: string;
          approval: { decision: { action: string; comment: string } } | null;
        }>;
      };
    }>(`/v1/runs/${gateRun}/tree`);
    const ship = tree.body.root.children.find((child) => child.title === 'Ship it')!;
    expect(ship.approval?.decision).toMatchObject({
      action: 'reject',
      comment: 'not this week: the release freeze',
    });
  });

  it('edits the description of a gate, and retries an escalated node with guidance', slow, async () => {
    const edited = await startRun('Publish the docs', oneGate);
    const escalated = await startRun('Build the UI', escalationScript, { limits: { maxAttempts: 1 } });
    await page.locator('nav.top a[href="#/approvals"]').click();
    const gate = card(edited);
    await gate.waitFor({ timeout: 20_000 });
    await gate.locator('details.edit summary').click();
    await gate.locator('textarea.description').fill('Publish the docs to the staging site only');
    await gate.locator('button[data-action="edit"]').click();
    await gate.waitFor({ state: 'detached' });

    const escalation = card(escalated);
    await escalation.waitFor({ timeout: 20_000 });
    expect(await escalation.locator('button.decide').allInnerTexts()).toEqual([
      'Retry with guidance',
      'Skip',
      'Fail',
    ]);
    await escalation.locator('textarea.comment').fill('add the empty state');
    await escalation.locator('button[data-action="retry"]').click();
    await escalation.waitFor({ state: 'detached' });

    await waitForRun(edited, 'completed');
    await waitForRun(escalated, 'completed');
    const [publish] = await children(edited);
    expect(publish!.approval?.decision).toMatchObject({
      action: 'edit',
      description: 'Publish the docs to the staging site only',
    });
    const [ui] = await children(escalated);
    expect(ui!.approval?.decision).toMatchObject({ action: 'retry', comment: 'add the empty state' });
  });

  it('cancels a run and resumes it with its buttons', slow, async () => {
    const runId = await startRun('Six slow tasks', sixSlowTasks, { limits: { concurrency: 1 } });
    await page.goto(`${service.url}/#/runs/${runId}`);
    await page.locator('.tree-item[data-node-id="1"]').waitFor({ timeout: 20_000 });
    // Cancel asks once more: a second thought keeps the run going.
    await page.locator('button', { hasText: 'Cancel run' }).click();
    await page.locator('button', { hasText: 'Keep it running' }).click();
    await page.locator('button', { hasText: 'Cancel run' }).click();
    expect(await page.locator('.run-header .badge.run-running').count()).toBe(1);
    await page.locator('button', { hasText: 'Yes, cancel the run' }).click();
    await page.locator('.run-header .notice', { hasText: 'the run is cancelled' }).waitFor();
    await page.locator('.run-header .badge.run-cancelled').waitFor({ timeout: 10_000 });
    await page.locator('button', { hasText: 'Resume run' }).click();
    await page.locator('.run-header .notice', { hasText: 'Resumed' }).waitFor();
    await page.locator('.run-header .badge.run-completed').waitFor({ timeout: 30_000 });
    await page.locator('.tree-item[data-node-id="6"][data-status="completed"]').waitFor();
  });

  it('takes away an item decided outside the page, without a reload', slow, async () => {
    const other = await startRun('Ship another release', gateBesideSlowSibling);
    await page.locator('nav.top a[href="#/approvals"]').click();
    await card(other).waitFor({ timeout: 20_000 });
    await page.evaluate('window.notReloaded = true');
    const nodeId = (await card(other).getAttribute('data-node-id'))!;
    await recordDecision(store, other, nodeId, { action: 'approve', by: 'someone at a terminal' });
    await card(other).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
  });

  /** Rows whose content runs past their own box (which clips it: rows are `content-visibility: auto`). */
  type Box = { scrollWidth: number; clientWidth: number; textContent: string | null };
  const overflowingRows = () =>
    page.$$eval('.tree-pane .row', (rows) =>
      (rows as unknown as Box[])
        .filter((box) => box.scrollWidth > box.clientWidth + 1)
        .map((box) => box.textContent?.slice(0, 60)),
    );

  it('keeps long rows readable and the pages usable on a phone', slow, async () => {
    const longTitle = `Publish ${'the very long release notes '.repeat(8)}to the public site`;
    const runId = await startRun('Long words', wideGateBesideLateParts(longTitle));
    await page.goto(`${service.url}/#/runs/${runId}/nodes/1`);
    await page.locator('.tree-item[data-node-id="1"][data-status="awaiting_approval"]').waitFor({ timeout: 20_000 });
    await page.locator('.node-panel h2', { hasText: 'Node 1' }).waitFor();
    // On a laptop beside the node panel: every row wraps inside the pane, its status in sight.
    expect(await overflowingRows()).toEqual([]);
    const pane = (await page.locator('.tree-pane').boundingBox())!;
    const status = (await row('1').locator('> .row .node-status').boundingBox())!;
    expect(status.x + status.width).toBeLessThanOrEqual(pane.x + pane.width);

    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${service.url}/#/runs/${runId}`);
      await row('1').waitFor();
      expect(await overflowingRows()).toEqual([]);
      expect((await page.locator('input[type="search"]').boundingBox())!.width).toBeGreaterThan(200);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      // The graph keeps a readable size, and its own box scrolls.
      await page.locator('button', { hasText: 'Dependency graph' }).click();
      const svg = page.locator('.graph-svg svg');
      await svg.waitFor();
      // Its groups are numbered as stored, as the node panel and `arbor show` say them.
      expect(await svg.textContent()).toContain('group 0');
      const own = await svg.evaluate((element) =>
        Number.parseFloat((element as unknown as { style: { maxWidth: string } }).style.maxWidth),
      );
      expect((await svg.boundingBox())!.width).toBeGreaterThanOrEqual(Math.min(own, 640) - 1);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.goto(`${service.url}/#/runs`);
      await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('searches nodes as they come, and says when none matches', slow, async () => {
    const runId = await startRun('Parts that come late', wideGateBesideLateParts('A gate'));
    await page.goto(`${service.url}/#/runs/${runId}`);
    await row('2').waitFor({ timeout: 20_000 });
    await page.fill('input[type="search"]', 'needle');
    // Typed before the node exists: it shows up when it is planned, with no new keystroke.
    await page.locator('.tree-pane .muted', { hasText: 'holds “needle”' }).waitFor();
    await row('2.1').waitFor({ timeout: 20_000 });
    expect(await page.locator('.tree-pane .muted').innerText()).toBe(
      '3 nodes shown for “needle” (matches and their ancestors).',
    );
    await page.fill('input[type="search"]', 'no such words');
    await page.locator('.tree-pane .muted', { hasText: 'No node' }).waitFor();
    expect(await page.locator('.tree-item').count()).toBe(0);
    // The header's elapsed time goes on while the run waits, with no event to redraw it.
    const before = await page.locator('.run-header .elapsed').innerText();
    // A function, not a string: the page's Content-Security-Policy refuses eval.
    type Page = { document: { querySelector(selector: string): { textContent: string | null } | null } };
    await page.waitForFunction(
      (shown) =>
        (globalThis as unknown as Page).document.querySelector('.run-header .elapsed')?.textContent !== shown,
      before,
      { timeout: 5_000 },
    );
  });

  it('says when a run or a node does not exist, and stops waiting for it', slow, async () => {
    await page.goto(`${service.url}/#/runs/r-no-such-run`);
    await page.locator('.run-page h1', { hasText: 'No run r-no-such-run' }).waitFor();
    await page.waitForTimeout(1_500); // a reconnect would have been tried by now
    expect(await page.locator('.run-page').innerText()).not.toMatch(/reconnecting|Loading/);
    await page.goto(`${service.url}/#/runs/${gateRun}/nodes/99`);
    await page.locator('.node-panel h2', { hasText: 'No node 99 in this run' }).waitFor();
    expect(await page.locator('.run-header .error').count()).toBe(0);
  });

  it('shows a failed read until the server answers again, and then no more', slow, async () => {
    const runId = await startRun('A gate, watched', quickTaskThenGate);
    const summary = `${service.url}/v1/runs/${runId}`;
    await page.route(summary, (route) => route.abort());
    try {
      await page.goto(`${service.url}/#/runs/${runId}`);
      await page.locator('.run-header .error', { hasText: 'did not answer' }).waitFor({ timeout: 10_000 });
      await page.locator('.tree-item[data-node-id="2"][data-status="awaiting_approval"]').waitFor({ timeout: 20_000 });
    } finally {
      await page.unroute(summary);
    }
    // The decision's events make the page read the summary again: it answers, and the error goes.
    await client.post(`/v1/runs/${runId}/nodes/2/decision`, { action: 'approve' });
    await page.locator('.run-header .error').waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('.run-header h1', { hasText: 'A gate, watched' }).waitFor();
  });

  it('tells why it asks for the token again', slow, async () => {
    await page.evaluate("sessionStorage.setItem('arbor-token', 'a token from before a restart')");
    // As after a restart with another token: the page's next read is refused.
    await page.goto(`${service.url}/#/runs`);
    await page.locator('.sign-in .notice', { hasText: 'refused the token' }).waitFor();
    await page.fill('#token', token);
    await page.keyboard.press('Enter');
    await page.locator('main.runs-page').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('renders a 5,000-node run and applies 1,000 live events to it', slow, async () => {
    const runId = 'r-big5000';
    const pending = await storeBigTreeRun(store, { runId, branches: 40, leaves: 124 });
    const stored = (await store.listEvents(runId)).length;
    await page.goto(`${service.url}/#/runs`);
    await page.locator('main.runs-page').waitFor();
    // Page scripts as text: this project's types have no DOM.
    const untilSelector = (selector: string, count = 1) =>
      `new Promise((resolve) => { const check = () => document.querySelectorAll(${JSON.stringify(selector)}).length >= ${count} ? resolve() : requestAnimationFrame(check); check(); })`;
    const firstRenderMs = await page.evaluate<number>(
      `(async () => { const start = performance.now(); location.hash = '#/runs/${runId}'; await ${untilSelector('[data-node-id="40.100"]')}; return performance.now() - start; })()`,
    );
    const treeLoadedMs = await page.evaluate<number>('window.arborLiveStats.firstRenderMs');
    expect(await page.locator('.run-header').innerText()).toContain('5001 nodes');
    expect(await page.locator('.tree-item[data-node-id="40"] button.more').innerText()).toBe(
      'Show 24 more of 24 hidden',
    );
    // The stream first replays the stored events; then the page is caught up.
    // A function, not a string: the page's Content-Security-Policy refuses eval, as it should.
    await page.waitForFunction(
      (count) => (globalThis as unknown as { arborLiveStats: { eventsApplied: number } }).arborLiveStats.eventsApplied >= count,
      stored,
    );
    await page.evaluate('window.arborLiveStats.reset()');

    // A parent shows its first 100 children (and any busy one), so the burst goes to those: 100 in each of 10 branches.
    const burst = pending.filter((leaf) => leaf.order < 100).slice(0, 1000);
    const written = Date.now();
    await markReady(store, burst);
    const sinceFirstEventMs = await page.evaluate<number>(
      `(async () => { await ${untilSelector('.tree-item[data-status="ready"]', burst.length)}; return performance.now() - window.arborLiveStats.firstEventAt; })()`,
    );
    const endToEndMs = Date.now() - written;
    expect(await page.locator('.tree-item[data-status="ready"]').count()).toBe(1000);
    console.log(
      `dashboard performance: first render of a 5,001-node tree ${Math.round(firstRenderMs)} ms (${Math.round(treeLoadedMs)} ms of it to fetch and read the tree, the rest to draw); ` +
        `1,000 live events applied and drawn ${Math.round(sinceFirstEventMs)} ms after the first arrived ` +
        `(${endToEndMs} ms from the store writes, including the stream's ${200} ms poll)`,
    );
    // Still responsive: a click opens a node at once.
    await row('21.1').locator('> .row > button.node').click();
    await page.locator('.node-panel h2', { hasText: 'Leaf 21.1' }).waitFor({ timeout: 5_000 });
    // Hidden children come on asking; the search shows matches with their ancestors, even in folded subtrees.
    await page.locator('.tree-item[data-node-id="40"] button.more').click();
    await row('40.124').waitFor();
    await page.fill('input[type="search"]', 'Leaf 3.12');
    await row('3.120').waitFor();
    expect(await page.locator('.tree-item').count()).toBe(1 + 1 + 6); // the root, branch 3, and 3.12, 3.120–3.124
    await page.fill('input[type="search"]', '');
    await page.locator('.tree-item[data-node-id="3"] .folded').waitFor();
    // A node's address opens the run on it, unfolding the way there.
    await page.goto(`${service.url}/#/runs`);
    await page.goto(`${service.url}/#/runs/${runId}/nodes/3.7`);
    await page.locator('.node-panel h2', { hasText: 'Leaf 3.7' }).waitFor();
    await page.locator('.tree-item[data-node-id="3.7"] .row.selected').waitFor();
    expect(pageErrors).toEqual([]);
  });
});

if (!haveChromium) describe('the web dashboard', () => it.skip(chromiumSkipNotice, () => undefined));
