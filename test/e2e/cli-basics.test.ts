import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom, twoTaskScript, type CliResult } from '../support/cli.js';

/** The escape character that starts every ANSI colour or cursor code. */
const escapeCharacter = '\u001b';

/** `twoTaskScript`, but the executor of "Write the code" never answers JSON. */
const failingScript = twoTaskScript.replace(
  '\ndefaults:',
  () => `
  - role: executor
    title: '^Write the code$'
    raw: 'not json'
defaults:`,
);

function expectPlainText(result: CliResult): void {
  expect(result.stdout).not.toContain(escapeCharacter);
  expect(result.stderr).not.toContain(escapeCharacter);
}

describe('arbor command line (off a terminal)', () => {
  it('completes a small run with exit 0, lists it, prints its tree as JSON and resumes it as a no-op', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'small.yaml'), twoTaskScript);

    const run = await runCli(['run', '--prompt', 'Write a tiny CLI tool', '--llm', 'script:small.yaml'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const runId = runIdFrom(run.stdout);
    expect(run.stdout).toContain(`Run ${runId} completed`);
    expectPlainText(run);

    const runs = await runCli(['runs'], { cwd });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+completed\\b.*Write a tiny CLI tool$`, 'm'));
    expectPlainText(runs);

    const runsJson = await runCli(['runs', '--json'], { cwd });
    expect(runsJson.code).toBe(0);
    const listed = JSON.parse(runsJson.stdout) as Array<{ id: string; status: string; prompt: string }>;
    expect(listed).toEqual([expect.objectContaining({ id: runId, status: 'completed', prompt: 'Write a tiny CLI tool' })]);

    const tree = await readTree(runId, { cwd });
    expect(tree).toMatchObject({ runId, status: 'completed' });
    const nodes = flattenTree(tree.root);
    for (const node of nodes) {
      expect([typeof node.id, typeof node.title, typeof node.status, typeof node.depth]).toEqual(['string', 'string', 'string', 'number']);
      expect(Array.isArray(node.children)).toBe(true);
    }
    expect(nodes.map((node) => [node.id, node.depth, node.title, node.status])).toEqual([
      ['0', 0, 'Write a tiny CLI tool', 'completed'],
      ['1', 1, 'Write the README', 'completed'],
      ['2', 1, 'Write the code', 'completed'],
    ]);

    const treeText = await runCli(['tree', runId], { cwd });
    expect(treeText.code).toBe(0);
    expect(treeText.stdout).toContain('Write the code');
    expectPlainText(treeText);

    const resume = await runCli(['resume', runId], { cwd });
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain(`Run ${runId} is already completed`);
  });

  it('exits 1 when a node fails, and the node error names the invalid answer', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'failing.yaml'), failingScript);

    const run = await runCli(['run', '--prompt', 'Write a tiny CLI tool', '--llm', 'script:failing.yaml'], { cwd });
    expect(run.code).toBe(1);
    const runId = runIdFrom(run.stdout);
    expect(run.stdout).toContain(`Run ${runId} failed`);
    expect(run.stdout).toContain(`arbor tree ${runId}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expectPlainText(run);

    const tree = await readTree(runId, { cwd });
    expect(tree.status).toBe('failed');
    const code = flattenTree(tree.root).find((node) => node.title === 'Write the code')!;
    expect(code.status).toBe('failed');
    expect(code.error?.message).toMatch(/executor/);
    expect(code.error?.message).toMatch(/not valid JSON/);
    expect(flattenTree(tree.root).find((node) => node.title === 'Write the README')?.status).toBe('completed');
  });
});
