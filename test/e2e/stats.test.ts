import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStats, runStatsSchema, runTotalsSchema, startRun, type RunStats } from '../../src/api/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';

/**
 * `Schema` then `API` (which depends on it) are slow; `Docs` is quick but fails its first check
 * after one rate-limited call; `Release` waits for a person. The planner's first answer is not JSON.
 */
const script = `
rules:
  - role: planner
    depth: 0
    attempt: 1
    raw: "this is not JSON"
  - role: planner
    depth: 0
    # A call of 0 ms adds nothing to a path: the root's own time must be there to be on it.
    delayMs: 20
    respond:
      tasks:
        - { key: schema, title: Schema, description: 'tables' }
        - { key: api, title: API, description: 'handlers', dependsOn: [schema] }
        - { key: docs, title: Docs, description: 'readme' }
        - { key: release, title: Release, description: 'ship', dependsOn: [api], requiresApproval: true, approvalReason: 'customers see it' }
  - role: executor
    title: '^(Schema|API)$'
    delayMs: 150
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  - role: executor
    title: '^Docs$'
    attempt: 1
    times: 1
    error: { status: 429, retryAfterMs: 1 }
  - role: checker
    title: '^Docs$'
    attempt: 1
    respond: { verdict: fail, feedback: 'no examples' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

let dir: string;
let store: Store;
let runId: string;
let stats: RunStats;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arbor-stats-'));
  await writeFile(path.join(dir, 'stats.script.yaml'), script);
  store = await openStore(path.join(dir, 'store'));
  const handle = await startRun({
    store,
    prompt: 'Build a shop',
    llm: `script:${path.join(dir, 'stats.script.yaml')}`,
    outDir: path.join(dir, 'out'),
  });
  runId = handle.runId;
  for await (const event of handle.events())
    if (event.type === 'approval-request')
      await handle.decide(event.node.id, { action: 'approve', by: 'test' });
  expect((await handle.done).status).toBe('completed');
  stats = await runStats(store, runId);
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--store', path.join(dir, 'store')], { cwd: dir });

describe('runStats on a finished run', () => {
  it('finds the critical path through the dependency chain, not the quick independent task', () => {
    expect(runStatsSchema.parse(stats)).toEqual(stats);
    const titles = stats.criticalPath.map((step) => step.title);
    expect(titles.slice(0, 3)).toEqual(['Build a shop', 'Schema', 'API']);
    expect(titles).not.toContain('Docs');
    const { lowerBound } = stats;
    expect(lowerBound.boundMs).toBe(
      Math.max(lowerBound.criticalPathMs, lowerBound.totalCallMs / lowerBound.concurrency),
    );
    expect(lowerBound.criticalPathMs).toBeLessThanOrEqual(lowerBound.wallMs);
    expect(lowerBound.concurrency).toBe(8);
  });

  it('splits the calls by role, by model and by top-level task, adding up to the run', async () => {
    const run = (await store.getRun(runId))!;
    expect(stats.totals.calls).toBe((await store.listCalls(runId)).length);
    expect(stats.totals.inputTokens + stats.totals.outputTokens).toBe(
      run.usage.inputTokens + run.usage.outputTokens,
    );
    expect(stats.byRole.reduce((sum, entry) => sum + entry.calls, 0)).toBe(stats.totals.calls);
    expect(stats.byModel).toEqual([
      expect.objectContaining({ provider: 'script', model: 'stats.script.yaml', calls: stats.totals.calls }),
    ]);
    expect(stats.bySubtree.map((entry) => entry.title)).toEqual([
      'Build a shop',
      'Schema',
      'API',
      'Docs',
      'Release',
    ]);
    expect(stats.bySubtree.reduce((sum, entry) => sum + entry.calls, 0)).toBe(stats.totals.calls);
    // Docs: two executor and two checker calls.
    expect(stats.bySubtree.find((entry) => entry.title === 'Docs')).toMatchObject({ calls: 4, nodes: 1 });
  });

  it('counts the first-check pass rate, the provider retry, the re-ask and the wait for a person', () => {
    expect(stats.checks).toEqual({
      checkedNodes: 4,
      passedFirstAttempt: 3,
      firstAttemptPassRate: 0.75,
      failedChecks: 1,
    });
    expect(stats.repeats).toMatchObject({
      providerRetries: 1,
      retriedCalls: 1,
      callsWithoutRetryCount: 0,
      reasks: 1,
    });
    expect(stats.repeats.reasksByRole.planner).toBe(1);
    expect(stats.waitingForPeople.spans.map((span) => [span.title, span.to === null])).toEqual([
      ['Release', false],
    ]);
  });
});

describe('arbor stats', () => {
  it('prints the same numbers as JSON with --json', async () => {
    const result = await cli('stats', runId, '--json');
    expect(result.code).toBe(0);
    const printed = runStatsSchema.parse(JSON.parse(result.stdout));
    expect(printed).toMatchObject({
      runId,
      totals: stats.totals,
      criticalPath: stats.criticalPath,
      checks: stats.checks,
    });
  });

  it('names the nodes of the critical path and the sections people read', async () => {
    const result = await cli('stats', runId);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('Critical path');
    expect(start).toBeGreaterThan(0);
    expect(lines.slice(start + 1, start + 4)).toEqual([
      expect.stringMatching(/^ +\S+ +0 +Build a shop$/),
      expect.stringMatching(/^ +\S+ +1 +Schema$/),
      expect.stringMatching(/^ +\S+ +2 +API$/),
    ]);
    for (const heading of [
      'Time',
      'Slowest nodes (by their own call time)',
      'By role',
      'By model',
      'By top-level task',
      'Checks and repeats',
      'Waiting for people',
    ])
      expect(lines).toContain(heading);
    expect(result.stdout).toMatch(/wall time +\S+ +\d+\.\d\d× the lower bound of /);
    expect(result.stdout).toMatch(/passed first check +75% +3 of 4 checked nodes; 1 failed check/);
    expect(result.stdout).toContain('script:stats.script.yaml');
  });

  it('exits 2 with a fix for a run the store does not have', async () => {
    const result = await cli('stats', 'r-nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no run "r-nope"');
    expect(result.stderr).toContain('fix: list runs with `arbor runs`');
  });
});

describe('arbor runs --stats', () => {
  it('adds totals across runs, as text and as JSON', async () => {
    const text = await cli('runs', '--stats');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Totals {2}1 run \(1 completed\)/);
    expect(text.stdout).toMatch(/failure rate +0%/);
    expect(text.stdout).toContain('median run time');
    const json = await cli('runs', '--stats', '--json');
    const { runs, totals } = JSON.parse(json.stdout) as { runs: unknown[]; totals: unknown };
    expect(runs).toHaveLength(1);
    expect(runTotalsSchema.parse(totals)).toMatchObject({
      runs: 1,
      failureRate: 0,
      byStatus: { completed: 1 },
    });
  });
});
