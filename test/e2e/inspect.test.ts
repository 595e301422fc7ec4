import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, runIdFrom, startCli, waitFor } from '../support/cli.js';
import { driveFixedRun, fixedRunId, normalise } from '../support/fixed-run.js';

/** The escape character that starts every ANSI colour or cursor code. */
const escapeCharacter = '\u001b';

let dir: string;
let storeDir: string;
const cli = async (...args: string[]) => {
  const result = await runCli([...args, '--store', storeDir], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).not.toContain(escapeCharacter);
  return normalise(result.stdout);
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arbor-inspect-'));
  storeDir = path.join(dir, 'store');
  const outcome = await driveFixedRun(storeDir, path.join(dir, 'out'));
  expect(outcome.status).toBe('awaiting_approval');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('arbor tree', () => {
  it('shows every node with its status, attempt and tokens, and subtree totals on parents', async () => {
    await expect(await cli('tree', fixedRunId)).toMatchFileSnapshot('__snapshots__/tree.txt');
  });

  it('keeps the ancestors of nodes that match --status, and hides what is deeper than --depth', async () => {
    const waiting = await cli('tree', fixedRunId, '--status', 'awaiting_approval');
    expect(waiting.split('\n').slice(1, -1)).toEqual([
      expect.stringMatching(/^0 {2}▿ decomposed {2}Build a todo app {2}\[Σ .* tok · \$0\.0000\] {2}\(\+2 hidden\)$/),
      '└─ 3  ⏸ awaiting_approval  Deploy "v2" to production [eu]  — Creates billable resources',
    ]);
    const shallow = await cli('tree', fixedRunId, '--depth', '1', '--status', 'completed,awaiting_approval');
    expect(shallow).not.toContain('Write the handlers');
    expect(shallow).toMatch(/├─ 1 {2}✓ completed {2}Build the API {2}\[Σ .*\] {2}\(\+2 hidden\)/);
    expect(shallow).toContain('└─ 3  ⏸ awaiting_approval');
  });

  it('refuses an unknown status with exit 2 and the list of statuses', async () => {
    const result = await runCli(['tree', fixedRunId, '--status', 'done', '--store', storeDir], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"done" is not a node status; use pending, ready, running');
  });
});

describe('arbor show', () => {
  it("prints a node's full record: checks, result, artifacts, usage, events and every prompt with its answer", async () => {
    const text = await cli('show', fixedRunId, '2');
    await expect(text).toMatchFileSnapshot('__snapshots__/show-web-ui.txt');
    expect(text).toContain('check #1 fail at <time> — no empty state');
    expect(text).toContain('web/index.html  21 bytes');
    expect(text).toContain('── 3. executor #2');
    expect(text).toContain('no empty state'); // the feedback in the second executor prompt
    expect(text).toContain('"summary":"A one-page UI (attempt 2)"');
  });

  it('shows the approval request on a waiting node and the plan answer on a decomposed one', async () => {
    expect(await cli('show', fixedRunId, '3')).toContain('gate (round 1), asked <time>: Creates billable resources\n  decision: none yet');
    const api = await cli('show', fixedRunId, '1');
    expect(api).toMatch(/── 2\. planner #1 .*\n {2}system:/);
    expect(api).toContain('"title":"Write the handlers"');
  });

  it('exits 2 for a node the run does not have', async () => {
    const result = await runCli(['show', fixedRunId, '9.9', '--store', storeDir], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`run ${fixedRunId} has no node "9.9"`);
  });
});

/** Two tasks; the second is slow so that `logs --follow` starts while the run is going. */
const slowScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: Quick task, description: 'quick' }
        - { key: b, title: Slow task, description: 'slow' }
  - role: executor
    title: '^Slow task$'
    delayMs: 1500
    respond: { action: complete, result: { summary: 'slow done', output: '' } }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

describe('arbor logs', () => {
  it('follows the log of a running run until it ends, then prints it again readably', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'slow.yaml'), slowScript);
    const run = startCli(['run', '--prompt', 'Two tasks', '--llm', 'script:slow.yaml'], { cwd });
    await waitFor('the run to start', () => /Run r-\w+ started/.test(run.stdout()));
    const runId = runIdFrom(run.stdout());

    const follow = await runCli(['logs', runId, '--follow'], { cwd });
    expect(follow.code).toBe(0);
    expect((await run.exited).code).toBe(0);
    expect(follow.stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3} {2}2 {8}running → checking {2}Slow task/);
    expect(follow.stdout).toMatch(/0 {8}decomposed → completed {2}Two tasks {2}\(all children settled\)/);
    expect(follow.stdout).not.toContain(escapeCharacter);

    const again = await runCli(['logs', runId], { cwd });
    expect(again.stdout).toBe(follow.stdout);
    const raw = await runCli(['logs', runId, '--json'], { cwd });
    expect(JSON.parse(raw.stdout.split('\n')[0]!)).toMatchObject({ level: 'debug', message: 'node-transition' });
  });
});
