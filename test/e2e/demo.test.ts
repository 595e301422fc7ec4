import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, repoRoot, runCli, runIdFrom } from '../support/cli.js';

/** The demo arguments as the README's quick start gives them (after `npm start --`). */
const demoArguments = ['--prompt', 'Build a todo app', '--notes', 'notes/todo-app.md', 'notes/deployment.md', '--llm', 'script:examples/demo.script.yaml'];

describe("the README's demo", () => {
  it('waits for one approval off a terminal, then approve and resume complete the whole tree', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm start -- --prompt "Build a todo app" --notes notes/todo-app.md notes/deployment.md --llm script:examples/demo.script.yaml');

    const temp = await makeTempDir();
    const store = path.join(temp, 'store');
    const out = path.join(temp, 'out');
    const options = { cwd: repoRoot };

    const run = await runCli(['run', ...demoArguments, '--store', store, '--out', out], options);
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(3);
    const runId = runIdFrom(run.stdout);
    expect(run.stdout).toContain(`Run ${runId} is waiting for 1 approval`);
    expect(run.stdout).toContain(`arbor approve ${runId} --store ${store}`);
    expect(run.stdout).toContain(`arbor resume ${runId} --store ${store}`);

    const waiting = flattenTree((await readTree(runId, { ...options, store })).root).filter((node) => node.status === 'awaiting_approval');
    expect(waiting.map((node) => node.title)).toEqual(['Deploy to production']);
    const deployId = waiting[0]!.id;

    const approve = await runCli(['approve', runId, deployId, '--store', store], options);
    expect(approve.code, approve.stderr).toBe(0);

    const resume = await runCli(['resume', runId, '--store', store, '--out', out], options);
    expect(resume.code, `${resume.stdout}${resume.stderr}`).toBe(0);
    expect(resume.stdout).toContain(`Run ${runId} completed`);

    const tree = await readTree(runId, { ...options, store });
    expect(tree.status).toBe('completed');
    const nodes = flattenTree(tree.root);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    expect(Math.max(...nodes.map((node) => node.depth))).toBeGreaterThanOrEqual(3);

    // A parallel group: two siblings sharing a group, joined by an integration step.
    const parallel = nodes.find((parent) => {
      const groups = parent.children.map((child) => child.group).filter((group) => group !== null);
      return groups.some((group, index) => groups.indexOf(group) !== index);
    });
    expect(parallel, 'no node has two children in one group').toBeDefined();
    expect(parallel!.children.some((child) => child.integration)).toBe(true);

    // A check that failed once and passed on the retry.
    const retried = nodes.filter((node) => node.checks.map((check) => check.verdict).join(',') === 'fail,pass');
    expect(retried.map((node) => node.title)).toEqual(['Build the web UI']);

    const deploy = nodes.find((node) => node.id === deployId)!;
    expect(deploy.status).toBe('completed');
    expect(deploy.approval?.decision?.action).toBe('approve');

    // Artifacts went to --out, and the store to --store, not into the repository.
    expect(existsSync(path.join(out, 'web', 'src', 'TodoList.tsx'))).toBe(true);
    expect(existsSync(path.join(store, 'runs', runId))).toBe(true);
    expect(existsSync(path.join(repoRoot, 'arbor-out', runId))).toBe(false);
    expect(existsSync(path.join(repoRoot, '.arbor', 'runs', runId))).toBe(false);
  });
});
