import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeTempDir, repoRoot, runCli } from '../support/cli.js';

it('names a role limited below --concurrency by its agent file, once, when the run starts', async () => {
  const cwd = await makeTempDir();
  await cp(path.join(repoRoot, 'agents'), path.join(cwd, 'agents'), { recursive: true });
  const file = path.join(cwd, 'agents', 'executor.yaml');
  await writeFile(file, `${await readFile(file, 'utf8')}\nconcurrency: 3\n`);
  const script = path.join(repoRoot, 'examples', 'release-gate.script.yaml');
  const result = await runCli(['run', '--prompt', 'Ship', '--agents', 'agents', '--llm', `script:${script}`, '--concurrency', '20', '--plain'], { cwd });
  expect(result.code).toBe(3);
  const notices = result.stdout.split('\n').filter((line) => line.includes('limited to'));
  expect(notices).toEqual([`executor limited to 3 of 20 slots by ${path.join('agents', 'executor.yaml')}`]);
  // The shipped agent files cap no role: no notice.
  const shipped = await runCli(['run', '--prompt', 'Ship', '--llm', `script:${script}`, '--concurrency', '20', '--plain'], { cwd });
  expect(shipped.stdout).not.toContain('limited to');
});
