import { readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom, type JsonTree } from '../support/cli.js';
import { databaseUri, rawNodes } from '../support/mongodb-cli.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../support/mongodb-test-database.js';
import { releaseGateScript } from '../support/release-gate-script.js';

/** Several CLI processes (and a server) start one after the other: more than the default 30 s on a busy machine. */
const slowProcesses = { timeout: 90_000 };


const statuses = (tree: JsonTree) => flattenTree(tree.root).map((node) => [node.title, node.status]);

describe.skipIf(mongoTestUri === undefined)('the CLI on MongoDB', () => {
  const dbName = testDatabaseName('cli');
  let uri: string;
  let raw: MongoClient;

  beforeAll(async () => {
    uri = databaseUri(mongoTestUri!, dbName);
    raw = await connectTestClient();
  });
  afterAll(async () => {
    await raw.close();
    await dropTestDatabases([dbName]);
  });

  it(
    'stops at an approval, is read and approved from other processes, and resumes to completion',
    slowProcesses,
    async () => {
      const cwd = await makeTempDir();
      await writeFile(path.join(cwd, 'gate.yaml'), releaseGateScript);
      // The run finds MongoDB through MONGODB_URI, the later commands through --store: both as users do.
      const run = await runCli(['run', '--prompt', 'Ship version 2', '--llm', 'script:gate.yaml'], {
        cwd,
        env: { MONGODB_URI: uri },
      });
      expect(run.code, run.stderr).toBe(3);
      const runId = runIdFrom(run.stdout);
      expect(run.stdout).toContain(`Run ${runId} started (mongodb store at ${uri})`);
      expect(run.stdout).toContain(`Run ${runId} is waiting for 1 approval`);
      // The run lives in MongoDB, not in an embedded store in the working directory.
      expect(existsSync(path.join(cwd, '.arbor', 'runs'))).toBe(false);
      expect((await rawNodes(raw, dbName, runId)).map((node) => node.status).toSorted()).toEqual([
        'awaiting_approval',
        'completed',
        'decomposed',
      ]);

      const runs = await runCli(['runs', '--store', uri], { cwd });
      expect(runs.code, runs.stderr).toBe(0);
      expect(runs.stdout).toMatch(
        new RegExp(`^${runId}\\s+awaiting_approval\\s+.*\\s3 nodes\\s+Ship version 2$`, 'm'),
      );
      const runsJson = await runCli(['runs', '--json', '--store', uri], { cwd });
      expect(JSON.parse(runsJson.stdout)).toEqual([
        expect.objectContaining({ id: runId, status: 'awaiting_approval' }),
      ]);

      const waiting = await readTree(runId, { cwd, store: uri });
      expect(waiting.status).toBe('awaiting_approval');
      expect(statuses(waiting)).toEqual([
        ['Ship version 2', 'decomposed'],
        ['Build the release', 'completed'],
        ['Release to customers', 'awaiting_approval'],
      ]);
      const gated = flattenTree(waiting.root).find((node) => node.status === 'awaiting_approval')!;

      const approve = await runCli(['approve', runId, gated.id, '--comment', 'go', '--store', uri], { cwd });
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stdout).toContain(`Recorded: approve ${gated.id} "Release to customers"`);

      const resume = await runCli(['resume', runId, '--store', uri], { cwd });
      expect(resume.code, resume.stderr).toBe(0);
      expect(resume.stdout).toContain(`Run ${runId} completed`);

      const done = await readTree(runId, { cwd, store: uri });
      expect(done.status).toBe('completed');
      expect(statuses(done)).toEqual([
        ['Ship version 2', 'completed'],
        ['Build the release', 'completed'],
        ['Release to customers', 'completed'],
      ]);
      expect(flattenTree(done.root)[2]?.approval?.decision).toMatchObject({
        action: 'approve',
        comment: 'go',
      });
      const text = await runCli(['tree', runId, '--store', uri], { cwd });
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('Release to customers');
      expect(text.stdout).not.toMatch(/awaiting_approval|pending|failed/);
    },
  );
});

describe('the CLI with an unreachable MongoDB', () => {
  it('exits 2 naming the host, never the password, and writes nothing locally', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gate.yaml'), releaseGateScript);
    const run = await runCli(
      [
        'run',
        '--prompt',
        'Ship version 2',
        '--llm',
        'script:gate.yaml',
        '--store',
        'mongodb://user:secret@127.0.0.1:1/x',
      ],
      { cwd },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: cannot reach MongoDB at 127\.0\.0\.1:1 /);
    expect(run.stderr).not.toContain('secret');
    expect(run.stdout).not.toContain('secret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(cwd)).toEqual(['gate.yaml']);
  });
});
