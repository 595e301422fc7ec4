import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { at, sampleRun } from '../support/sample-documents.js';

let dir: string;
const cli = (...args: string[]) => runCli([...args, '--store', path.join(dir, 'store')], { cwd: dir });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arbor-runs-'));
  const store = await openStore(path.join(dir, 'store'));
  try {
    const made = [
      { id: 'run-old', createdAt: at(1), status: 'completed' },
      { id: 'run-mid', createdAt: at(2), status: 'failed' },
      { id: 'run-new', createdAt: at(3), status: 'completed' },
    ] as const;
    for (const { id, createdAt, status } of made) {
      const { run, root } = sampleRun({ id, createdAt, prompt: `Prompt of ${id}` });
      await store.createRun(run, root);
      await store.updateRun(id, { status });
    }
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ids = (stdout: string) => (JSON.parse(stdout) as Array<{ id: string }>).map((run) => run.id);

describe('arbor runs --status, --limit', () => {
  it('lists the newest N, says older ones were left out, and filters by state', async () => {
    const newest = await cli('runs', '--limit', '2');
    expect(newest.code).toBe(0);
    expect(
      newest.stdout
        .split('\n')
        .filter((line) => line.startsWith('run-'))
        .map((line) => line.split(' ')[0]),
    ).toEqual(['run-new', 'run-mid']);
    expect(newest.stdout).toContain('The newest 2 shown; older runs left out (raise --limit to see them).');

    const all = await cli('runs', '--limit', '3');
    expect(all.stdout).not.toContain('left out');

    const completed = await cli('runs', '--status', 'completed', '--json');
    expect(completed.code).toBe(0);
    expect(ids(completed.stdout)).toEqual(['run-new', 'run-old']);

    const oneCompleted = await cli('runs', '--status', 'completed', '--limit', '1', '--json');
    expect(ids(oneCompleted.stdout)).toEqual(['run-new']);

    const none = await cli('runs', '--status', 'cancelled');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No cancelled runs in');
  });

  it('refuses a state that is not one and a limit that is not a positive number (exit 2)', async () => {
    const status = await cli('runs', '--status', 'done');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(
      '"done" is not a run status; use running, awaiting_approval, completed, failed, cancelled.',
    );
    const limit = await cli('runs', '--limit', '0');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('"0" is not a positive whole number.');
  });
});
