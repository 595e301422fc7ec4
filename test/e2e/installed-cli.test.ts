import { execFile } from 'node:child_process';
import { cp, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, repoRoot, runCli, runIdFrom, twoTaskScript } from '../support/cli.js';

const run = promisify(execFile);

/**
 * The files `npm pack` puts in the package, copied as `npm install` unpacks them (one modification
 * time for all), with this repository's node_modules beside them for the dependencies.
 */
async function installedPackage(): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, maxBuffer: 64 * 2 ** 20 });
  const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
  const dir = path.join(await makeTempDir(), 'arbor');
  const unpacked = new Date('1985-10-26T08:15:00Z');
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
    await cp(path.join(repoRoot, file.path), path.join(dir, file.path));
    await utimes(path.join(dir, file.path), unpacked, unpacked);
  }
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('the arbor command as installed from the package', () => {
  it('runs from the bundle in dist/bin/ (no TypeScript sources), with the shipped agents and prompts', async () => {
    const installed = await installedPackage();
    const bin = path.join(installed, 'bin', 'arbor.js');
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'small.yaml'), twoTaskScript);

    const help = await runCli(['--help'], { cwd, bin });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}tree \[options\] <run> +show a run as a tree/m);

    const started = await runCli(['run', '--prompt', 'Write a tiny CLI tool', '--llm', 'script:small.yaml'], { cwd, bin });
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const runId = runIdFrom(started.stdout);
    expect(started.stdout).toContain(`Run ${runId} completed`);

    const runs = await runCli(['runs', '--json'], { cwd, bin });
    expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ id: runId, status: 'completed' })]);
    const tree = await runCli(['tree', runId, '--json'], { cwd, bin });
    expect(tree.code).toBe(0);
    const nodes = flattenTree((JSON.parse(tree.stdout) as { root: Parameters<typeof flattenTree>[0] }).root);
    expect(nodes.map((node) => [node.title, node.status])).toEqual([
      ['Write a tiny CLI tool', 'completed'],
      ['Write the README', 'completed'],
      ['Write the code', 'completed'],
    ]);
    const text = await runCli(['tree', runId], { cwd, bin });
    expect(text.stdout).toContain('Write the code');

    // A bad flag is still a usage error with its hint, from the bundle.
    const bad = await runCli(['tree', runId, '--depth', 'x'], { cwd, bin });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('see arbor tree --help');
  });
});
