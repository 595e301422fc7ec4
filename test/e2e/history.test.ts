import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RunHistory } from '../../src/api/index.js';
import { makeTempDir, repoRoot, runCli, runIdFrom } from '../support/cli.js';
import { databaseUri } from '../support/mongodb-cli.js';
import { dropTestDatabases, mongoTestUri, testDatabaseName } from '../support/mongodb-test-database.js';
import { storesUnderTest, type StoreKind } from '../support/stores-under-test.js';
import { threeLeavesScript as script } from '../support/three-leaves-script.js';

/** Where the test's runs go: a folder, or a fresh MongoDB database dropped when the test ends. */
function storeFor(kind: StoreKind, dir: string): string {
  if (kind === 'embedded') return path.join(dir, 'store');
  const dbName = testDatabaseName('history');
  onTestFinished(() => dropTestDatabases([dbName]));
  return databaseUri(mongoTestUri!, dbName);
}

describe.each(storesUnderTest())('arbor history and arbor resume --from-node on the %s store', (kind) => {
  // A dozen CLI processes, some at once: more than the default 30 s on a busy machine.
  it(
    'lists numbered checkpoints, redoes a node with its dependents, and refuses what it cannot do with exit 2',
    { timeout: 90_000 },
    async () => {
      const dir = await makeTempDir();
      const store = storeFor(kind, dir);
      const file = path.join(dir, 'script.json');
      await writeFile(file, JSON.stringify(script));
      const cli = (...args: string[]) => runCli([...args, '--store', store], { cwd: dir });
      const gateScript = path.join(repoRoot, 'examples', 'release-gate.script.yaml');
      const [ran, gated] = await Promise.all([
        cli('run', '--prompt', 'Build a todo app', '--llm', `script:${file}`),
        cli('run', '--prompt', 'Ship release 1.2', '--llm', `script:${gateScript}`),
      ]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(gated.code, gated.stderr).toBe(3);
      const runId = runIdFrom(ran.stdout);
      const gatedRun = runIdFrom(gated.stdout);

      const [table, json, node, unknownRun, unknownNode, unknownRedo, gatedHistory] = await Promise.all([
        cli('history', runId),
        cli('history', runId, '--json'),
        cli('history', runId, '--node', '2'),
        cli('history', 'r-nope'),
        cli('history', runId, '--node', '9'),
        cli('resume', runId, '--from-node', '9'),
        cli('history', gatedRun, '--json'),
      ]);
      expect(table.code, table.stderr).toBe(0);
      const history = JSON.parse(json.stdout) as RunHistory;
      const count = history.checkpoints.length;
      expect(history.checkpoints.map((point) => point.number)).toEqual(
        [...Array(count).keys()].map((index) => index + 1),
      );
      // The table: a header, then one line per checkpoint in order, each naming its node and change.
      const lines = table.stdout.split('\n');
      expect(lines[0]).toMatch(/^ *# +time +node +change +by +why$/);
      history.checkpoints.forEach((point, index) => {
        const line = lines[index + 1]!;
        expect(line).toMatch(
          new RegExp(`^ *${point.number}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${point.nodeId} `),
        );
        expect(line).toContain(`${point.type}: ${point.from ?? '—'} → ${point.to}`);
      });
      expect(table.stdout).toContain(`arbor resume ${runId} --store ${store} --from-node NODE`);
      // --node keeps the run's numbers.
      const apiNumbers = history.checkpoints
        .filter((point) => point.nodeId === '2')
        .map((point) => String(point.number));
      const nodeLines = node.stdout
        .split('\n')
        .slice(1)
        .filter((line) => /^ *\d+ /.test(line));
      expect(nodeLines.map((line) => line.trim().split(' ')[0])).toEqual(apiNumbers);
      expect(nodeLines.every((line) => line.includes(' 2 API '))).toBe(true);

      expect(unknownRun.code).toBe(2);
      expect(unknownRun.stderr).toContain('no run "r-nope"');
      expect(unknownNode.code).toBe(2);
      expect(unknownNode.stderr).toContain(`run ${runId} has no node "9"`);
      expect(unknownRedo.code).toBe(2);
      expect(unknownRedo.stderr).toContain(`run ${runId} has no node "9"`);

      // A node still waiting for a person is not settled: refused, nothing stored changes.
      const gatedPoints = (JSON.parse(gatedHistory.stdout) as RunHistory).checkpoints;
      const waiting = gatedPoints.find((point) => point.to === 'awaiting_approval')!;
      const refused = await cli('resume', gatedRun, '--from-node', waiting.nodeId);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('is awaiting_approval: only a settled node');
      const gatedAfter = JSON.parse((await cli('history', gatedRun, '--json')).stdout) as RunHistory;
      expect(gatedAfter.checkpoints).toEqual(gatedPoints);

      // The happy path: Model (1) again, and API (2) because it depends on Model; Docs (3) is kept.
      const resumed = await cli('resume', runId, '--from-node', '1');
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`Resuming run ${runId} from node 1`);
      const after = JSON.parse((await cli('history', runId, '--json')).stdout) as RunHistory;
      expect(after.checkpoints.slice(0, count)).toEqual(history.checkpoints);
      const added = after.checkpoints.slice(count);
      expect(
        added
          .filter((point) => point.type === 'redo')
          .map((point) => point.nodeId)
          .sort(),
      ).toEqual(['0', '1', '2']);
      expect(added.find((point) => point.type === 'redo')?.reason).toMatch(/^resumed from node 1 by /);
      expect(added.some((point) => point.nodeId === '3')).toBe(false);
      expect(added.at(-1)).toMatchObject({ nodeId: '0', type: 'roll-up', to: 'completed' });
    },
  );
});
