import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../support/cli.js';

const shell = promisify(execFile);

/** Runs a command line in a shell in the repository, as a user pastes it; exit code and output. */
async function paste(line: string): Promise<{ code: number; out: string }> {
  const env = { ...process.env };
  delete env.npm_lifecycle_event;
  return shell('bash', ['-c', line], { cwd: repoRoot, env }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr }),
  );
}

it('prints hints in the npm form under npm, and the printed lines work when pasted into a shell', async () => {
  const dir = await makeTempDir();
  const started = await paste(
    `npm run -s arbor -- run --prompt "Ship release 1.2" --llm script:examples/release-gate.script.yaml --store ${dir}/store --out ${dir}/out`,
  );
  expect(started.code).toBe(3);
  const decide = /^Decide: (npm run arbor -- approve \S+ --store \S+) \[NODE\]/m.exec(started.out);
  const resume = /^Then continue: (npm run arbor -- resume .+)$/m.exec(started.out);
  expect(decide, started.out).not.toBeNull();
  expect(resume, started.out).not.toBeNull();
  const gate = /(\d+)\s+needs a decision: Release to customers/.exec(started.out);
  expect(gate, started.out).not.toBeNull();
  const node = gate![1]!;

  const approved = await paste(`${decide![1]} ${node}`);
  expect(approved.out).toMatch(/Recorded: approve/);
  expect(approved.code).toBe(0);
  const resumed = await paste(resume![1]!);
  expect(resumed.out).toMatch(/completed/);
  expect(resumed.code).toBe(0);
});
