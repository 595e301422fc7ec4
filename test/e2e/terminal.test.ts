import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom } from '../support/cli.js';
import { hasTmux, startInTerminal } from '../support/tmux.js';
import { escalationScript } from '../support/escalation-script.js';

/** Four tasks; each executor call takes a while, so the live view has something to show. */
const slowScript = `
delayMs: 300
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: model, title: Design the data model, description: 'tables' }
        - { key: api, title: Build the REST API, description: 'endpoints', dependsOn: [model] }
        - { key: web, title: Build the web UI, description: 'one page', dependsOn: [model] }
        - { key: docs, title: Write the docs, description: 'README' }
  - role: executor
    delayMs: 2000
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;

/** Three gates and a slow task that keeps the run busy while people decide. */
const gatesScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: slow, title: Migrate the data, description: 'copy rows' }
        - { key: stage, title: Deploy to staging, description: 'push to staging', requiresApproval: true, approvalReason: 'Staging is shared' }
        - { key: mail, title: Email the customers, description: 'announce it', requiresApproval: true, approvalReason: 'Customers read this' }
        - { key: prod, title: Deploy to production, description: 'push to production', requiresApproval: true, approvalReason: 'Billable' }
  - role: executor
    title: '^Migrate the data$'
    delayMs: 3000
    respond: { action: complete, result: { summary: 'migrated', output: '' } }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.description}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

const byTitle = async (runId: string, cwd: string) =>
  Object.fromEntries(flattenTree((await readTree(runId, { cwd })).root).map((node) => [node.title, node]));

describe.skipIf(!hasTmux)('on a terminal (tmux)', () => {
  it('shows a live view redrawn in place: a header with counts, tokens and cost, and one line per node', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'slow.yaml'), slowScript);
    const term = startInTerminal(['run', '--prompt', 'Build a todo app', '--llm', 'script:slow.yaml'], { cwd });

    const screen = await term.waitFor(/^ {2}▶ \d Build the REST API/m);
    expect(screen).toMatch(/^Arbor r-\w+ {2}\S+ {2}\d+ nodes {2}\d+ calls? in flight {2}\S+ tok {2}\$0\.0000 {2}left: /m);
    expect(screen).toMatch(/^▿ 0 Build a todo app {2}\(\d+ tok\)$/m);
    expect(screen).toMatch(/^ {2}✓ 1 Design the data model {2}\(\d+ tok\)$/m);
    expect(screen).toMatch(/^▶ \d running {2}▿ 1 decomposed {2}.*✓ \d completed$/m);
    expect(await term.exited()).toBe(0);
    const end = term.screen();
    expect(end).toMatch(/✓ 5 completed/);
    expect(end).toMatch(/Run r-\w+ completed \(5 nodes/);
    // Redrawn in place: one header in the whole scrollback, never a pile of old frames.
    expect(term.history().match(/^Arbor r-/gm)).toHaveLength(1);
  });

  it('asks at a prompt, one node after another: approve, reject with a comment, edit the description', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gates.yaml'), gatesScript);
    // As under `npm start`, which sets EDITOR=vi for every script: Edit still asks inline, never opens vi.
    const term = startInTerminal(['run', '--prompt', 'Ship version 2', '--llm', 'script:gates.yaml'], { cwd, env: { EDITOR: 'vi' } });

    const screen = await term.waitFor(/Approve node 2\?/);
    expect(screen).toContain('Node 2: Deploy to staging');
    expect(screen).toContain('Why: Staging is shared');
    expect(screen).toContain('Where: Ship version 2 › Deploy to staging');
    expect(screen).toContain('push to staging');
    term.keys('Enter');

    await term.waitFor(/Approve node 3\?/);
    term.keys('Down', 'Enter');
    await term.waitFor(/Comment \(required\):/);
    term.type('not before the launch');
    term.keys('Enter');

    await term.waitFor(/Approve node 4\?/);
    term.keys('Down', 'Down', 'Enter');
    await term.waitFor(/New description: type it line by line/);
    term.type('push to production');
    term.keys('Enter');
    await term.waitFor(/✔ › push to production/);
    term.type('in eu-west only');
    term.keys('Enter');
    await term.waitFor(/✔ › in eu-west only/);
    term.keys('Enter');

    expect(await term.exited()).toBe(0);
    const text = term.screen();
    expect(text).toContain('Recorded: approve 2');
    expect(text).toContain('Recorded: reject 3');
    expect(text).toContain('Recorded: edit 4');
    const runId = runIdFrom(term.history());
    const nodes = await byTitle(runId, cwd);
    expect(nodes['Deploy to staging']!.status).toBe('completed');
    expect(nodes['Email the customers']).toMatchObject({ status: 'skipped', approval: { decision: { action: 'reject', comment: 'not before the launch' } } });
    expect(nodes['Deploy to production']).toMatchObject({ status: 'completed' });
    const show = await runCli(['show', runId, '4'], { cwd });
    expect(show.stdout).toContain('Description\n  push to production\n  in eu-west only');
    expect(show.stdout).toContain('Summary: done: push to production\nin eu-west only');
  });

  it('closes an open prompt when its node is decided elsewhere, and goes on to the next one queued', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gates.yaml'), gatesScript);
    const term = startInTerminal(['run', '--prompt', 'Ship version 2', '--llm', 'script:gates.yaml'], { cwd });

    await term.waitFor(/Approve node 2\?/);
    const runId = runIdFrom(term.history());
    const elsewhere = await runCli(['approve', runId, '2', '--comment', 'from the other terminal'], { cwd });
    expect(elsewhere.code).toBe(0);

    const screen = await term.waitFor(/Approve node 3\?/);
    expect(screen).toContain('Prompt for node 2 closed: node 2 was decided elsewhere (approve)');
    term.keys('Enter');
    await term.waitFor(/Approve node 4\?/);
    term.keys('Enter');
    expect(await term.exited()).toBe(0);
    const nodes = await byTitle(runId, cwd);
    expect(nodes['Deploy to staging']).toMatchObject({ status: 'completed', approval: { decision: { comment: 'from the other terminal' } } });
    expect(nodes['Email the customers']!.status).toBe('completed');
  });
});

describe.skipIf(!hasTmux)('an escalated node on a terminal (tmux)', () => {
  it('takes retry with guidance, and the executor gets the guidance', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'escalate.yaml'), escalationScript);
    const term = startInTerminal(['run', '--prompt', 'Build it', '--llm', 'script:escalate.yaml', '--max-attempts', '1'], { cwd });

    const screen = await term.waitFor(/Node 1: its checks kept failing\. What now\?/);
    expect(screen).toContain('Why: the checker failed it 1 times; last feedback: no empty state');
    expect(screen).toMatch(/Retry — another round of attempts, with guidance\n {2}Skip — leave it undone\n {2}Fail — mark it failed/);
    term.keys('Enter');
    await term.waitFor(/Guidance for the executor:/);
    term.type('show "Nothing to do yet" when the list is empty');
    term.keys('Enter');

    expect(await term.exited()).toBe(0);
    const runId = runIdFrom(term.history());
    const show = await runCli(['show', runId, '1'], { cwd });
    expect(show.stdout).toContain('decision: retry by');
    expect(show.stdout.split('── 3. executor #2')[1]).toContain('show "Nothing to do yet" when the list is empty');
  });
});

describe('off a terminal', () => {
  it('prints plain lines, and --json prints one JSON object per engine event, never control codes', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'slow.yaml'), slowScript.replace('delayMs: 2000', 'delayMs: 10').replace('delayMs: 300', 'delayMs: 0'));
    const plain = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:slow.yaml'], { cwd });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^\d\d:\d\d:\d\d {2}1 {8}new → ready {2}Design the data model$/m);
    expect(plain.stdout).not.toContain('\u001b');

    const json = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:slow.yaml', '--json'], { cwd });
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain('\u001b');
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ event: 'node-transition', nodeId: '0', from: 'ready', to: 'running' });
    expect(events.at(-1)).toMatchObject({ event: 'run-end', status: 'completed' });
    expect(events.find((event) => event.event === 'call-end')).toMatchObject({ role: 'planner', attempt: 1, usage: { calls: 1 } });
    expect(json.stderr).toMatch(/Run r-\w+ completed/);
  });
});
