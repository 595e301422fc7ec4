import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom } from '../support/cli.js';
import { driveFixedRun, fixedRunId, normalise } from '../support/fixed-run.js';

let dir: string;
let storeDir: string;
const exported = async (format: string) => {
  const result = await runCli(['export', fixedRunId, '--format', format, '--store', storeDir], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return normalise(result.stdout);
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arbor-export-'));
  storeDir = path.join(dir, 'store');
  await driveFixedRun(storeDir, path.join(dir, 'out'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('arbor export', () => {
  it('writes a markdown report with every node and its result', async () => {
    const markdown = await exported('markdown');
    await expect(markdown).toMatchFileSnapshot('__snapshots__/export.md');
    expect(markdown).toContain('### 1.2 Write the API tests');
    expect(markdown).toContain('**Result:** A one-page UI (attempt 2)');
    expect(markdown).toContain('> Waiting for a person: Creates billable resources');
  });

  it('writes a Mermaid graph of the tree with dependencies as dashed edges and titles escaped', async () => {
    const mermaid = await exported('mermaid');
    await expect(mermaid).toMatchFileSnapshot('__snapshots__/export.mmd');
    expect(mermaid.split('\n')[0]).toBe('graph TD');
    expect(mermaid).toContain('n1_1 -.-> n1_2');
    expect(mermaid).toContain('n0 --> n3');
    expect(mermaid).toContain('n3["3 ⏸ Deploy #quot;v2#quot; to production [eu]"]');
  });

  it('writes nested JSON: the run and its root with children', async () => {
    const json = await exported('json');
    await expect(json).toMatchFileSnapshot('__snapshots__/export.json');
    const parsed = JSON.parse(json) as { run: { id: string }; root: { children: Array<{ id: string; children: Array<{ id: string }> }> } };
    expect(parsed.run.id).toBe(fixedRunId);
    expect(parsed.root.children.map((child) => child.id)).toEqual(['1', '2', '3']);
    expect(parsed.root.children[0]!.children.map((child) => child.id)).toEqual(['1.1', '1.2']);
  });

  it('writes to a file with --out and refuses an unknown format with exit 2', async () => {
    const file = path.join(dir, 'reports', 'run.md');
    const result = await runCli(['export', fixedRunId, '--format', 'markdown', '--out', file, '--store', storeDir], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`to ${file}`);
    expect(normalise(await readFile(file, 'utf8'))).toBe(await exported('markdown'));
    const bad = await runCli(['export', fixedRunId, '--format', 'pdf', '--store', storeDir], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"pdf" is not an export format; use json, markdown, mermaid');
  });
});

/** One executor answers with a path above the output folder, another with an absolute one, every time. */
const escapingScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: up, title: Write above, description: 'x' }
        - { key: abs, title: Write absolute, description: 'y' }
        - { key: ok, title: Write inside, description: 'z' }
  - role: executor
    title: '^Write above$'
    respond: { action: complete, result: { summary: 's', output: '', artifacts: [{ path: '../x', content: 'escaped' }] } }
  - role: executor
    title: '^Write absolute$'
    respond: { action: complete, result: { summary: 's', output: '', artifacts: [{ path: '/etc/x', content: 'escaped' }] } }
  - role: executor
    title: '^Write inside$'
    respond: { action: complete, result: { summary: 's', output: '', artifacts: [{ path: 'docs/ok.md', content: 'fine' }] } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;

/** A build, then two releases that wait for approval; every task writes `KEY.txt`. */
const gatedArtifactsScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: build, title: Build, description: 'compile' }
        - { key: release, title: Release, description: 'publish', dependsOn: [build], requiresApproval: true, approvalReason: 'public' }
        - { key: announce, title: Announce, description: 'tell', dependsOn: [release], requiresApproval: true, approvalReason: 'public' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done', output: '', artifacts: [{ path: '{{node.key}}.txt', content: '{{node.title}}' }] } }
  checker: { verdict: pass, feedback: '' }
`;

describe('artifacts', () => {
  it('of a resumed run go to the --out folder the run was started with, unless resume is given another', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gated.yaml'), gatedArtifactsScript);
    const first = path.join(cwd, 'out', 'first');
    const run = await runCli(['run', '--prompt', 'Ship', '--llm', 'script:gated.yaml', '--out', 'out/first'], { cwd });
    expect(run.code, run.stderr).toBe(3);
    const runId = runIdFrom(run.stdout);
    expect(await readFile(path.join(first, 'build.txt'), 'utf8')).toBe('Build');

    expect((await runCli(['approve', runId, '2'], { cwd })).code).toBe(0);
    const resumed = await runCli(['resume', runId], { cwd });
    expect(resumed.code, resumed.stderr).toBe(3);
    expect(await readFile(path.join(first, 'release.txt'), 'utf8')).toBe('Release');
    expect(existsSync(path.join(cwd, 'arbor-out')), 'arbor-out/ was created').toBe(false);

    expect((await runCli(['approve', runId, '3'], { cwd })).code).toBe(0);
    const moved = await runCli(['resume', runId, '--out', 'out/second'], { cwd });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain(`Results: ${path.join(cwd, 'out', 'second')}`);
    expect(await readFile(path.join(cwd, 'out', 'second', 'announce.txt'), 'utf8')).toBe('Announce');
    expect(existsSync(path.join(first, 'announce.txt'))).toBe(false);
  });

  it('are written under --out, and a path that leaves it is refused with a clear reason on the node after the re-ask', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'escape.yaml'), escapingScript);
    const run = await runCli(['run', '--prompt', 'Write files', '--llm', 'script:escape.yaml', '--out', 'out/run'], { cwd });
    expect(run.code).toBe(1);
    const runId = runIdFrom(run.stdout);
    expect(await readFile(path.join(cwd, 'out/run/docs/ok.md'), 'utf8')).toBe('fine');
    expect(existsSync(path.join(cwd, 'out/x'))).toBe(false);

    const nodes = flattenTree((await readTree(runId, { cwd })).root);
    const byTitle = (title: string) => nodes.find((node) => node.title === title)!;
    expect(byTitle('Write inside').status).toBe('completed');
    expect(byTitle('Write above')).toMatchObject({ status: 'failed' });
    expect(byTitle('Write above').error!.message).toMatch(/gave no valid answer in 2 tries: artifact path "\.\.\/x" leaves the output folder/);
    expect(byTitle('Write absolute').error!.message).toMatch(/artifact path "\/etc\/x" is absolute; use a path relative to the output folder/);

    // The re-ask told the executor what was wrong.
    const show = await runCli(['show', runId, byTitle('Write above').id], { cwd });
    expect(show.stdout).toContain('── 2. executor #2');
    expect(show.stdout).toContain('Your answer was invalid: artifact path "../x" leaves the output folder');
  });
});
