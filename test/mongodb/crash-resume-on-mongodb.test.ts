import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/domain/index.js';
import { readCallLog } from '../../src/llm/scripted/index.js';
import {
  flattenTree,
  makeTempDir,
  readTree,
  runCli,
  runIdFrom,
  startCli,
  waitFor,
  type JsonTree,
} from '../support/cli.js';
import { databaseUri, rawNodes } from '../support/mongodb-cli.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../support/mongodb-test-database.js';
import { completedLeaves, growingTreeScript } from '../support/growing-tree-script.js';

/** Several CLI processes (and a server) start one after the other: more than the default 30 s on a busy machine. */
const slowProcesses = { timeout: 90_000 };

/**
 * A 22-node synthetic tree: the root plans three tasks, every depth-1 task decomposes into three,
 * and each `…/a` at depth 2 decomposes once more. In every plan `b` waits for `a`. Leaves complete.
 */
const treeScript = growingTreeScript({ delayMs: 60 });

const prompt = 'Grow';
const nodeCount = 22;
/** Kill once this many leaves are stored as completed: well into the run, well before its end (15 leaves). */
const leavesBeforeKill = 6;

const shape = (tree: JsonTree) =>
  flattenTree(tree.root).map((node) => ({ id: node.id, title: node.title, status: node.status }));

describe.skipIf(mongoTestUri === undefined)('kill -9 during a run on MongoDB, then resume', () => {
  const dbName = testDatabaseName('crash');
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

  async function workspace(): Promise<{ cwd: string; callLog: string }> {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'tree.yaml'), treeScript);
    return { cwd, callLog: path.join(cwd, 'calls.jsonl') };
  }

  it(
    `resumes after a kill once ${leavesBeforeKill} leaves are completed, redoing no completed work`,
    slowProcesses,
    async () => {
      const uncrashed = await workspace();
      const reference = await runCli(
        ['run', '--prompt', prompt, '--llm', 'script:tree.yaml', '--store', uri],
        {
          cwd: uncrashed.cwd,
        },
      );
      expect(reference.code, reference.stderr).toBe(0);
      const referenceTree = await readTree(runIdFrom(reference.stdout), { cwd: uncrashed.cwd, store: uri });
      expect(shape(referenceTree)).toHaveLength(nodeCount);

      const { cwd, callLog } = await workspace();
      const env = { ARBOR_SCRIPT_LOG: callLog, MONGODB_URI: uri };
      const run = startCli(['run', '--prompt', prompt, '--llm', 'script:tree.yaml'], { cwd, env });
      await waitFor('the run id', () => /Run r-\S+ started/.test(run.stdout()));
      const runId = runIdFrom(run.stdout());

      // Watch the nodes collection until enough leaves are completed, then kill -9.
      await waitFor(`${leavesBeforeKill} completed leaves`, async () => {
        if (run.child.exitCode !== null)
          throw new Error(`the run ended before the kill:\n${run.stdout()}${run.stderr()}`);
        const nodes = await rawNodes(raw, dbName, runId);
        return completedLeaves(nodes).length >= leavesBeforeKill;
      });
      run.child.kill('SIGKILL');
      expect((await run.exited).signal).toBe('SIGKILL');

      const atKill = await rawNodes(raw, dbName, runId);
      const completedAtKill = new Set(
        atKill.filter((node) => node.status === 'completed').map((node) => node.id),
      );
      expect(completedAtKill.size).toBeGreaterThanOrEqual(leavesBeforeKill);
      expect(completedAtKill.size).toBeLessThan(nodeCount);
      // The dead process's lease is still on the run document: resume must take it over at once.
      const runDocument = await raw.db(dbName).collection('runs').findOne({ id: runId });
      expect(runDocument?.driver).toMatchObject({ pid: run.child.pid });
      const callsBeforeKill = readCallLog(callLog).length;

      const resume = await runCli(['resume', runId], { cwd, env });
      expect(resume.code, `${resume.stdout}${resume.stderr}`).toBe(0);
      expect(resume.stdout).toContain(`Run ${runId} completed`);

      const callsAfterKill = readCallLog(callLog).slice(callsBeforeKill);
      expect(callsAfterKill.length).toBeGreaterThan(0);
      expect(callsAfterKill.filter((call) => completedAtKill.has(call.nodeId))).toEqual([]);

      // Each node reached `completed` exactly once, in the events stored in MongoDB.
      const completions = (
        await raw.db(dbName).collection<NodeEvent>('events').find({ runId, to: 'completed' }).toArray()
      ).map((event) => event.nodeId);
      const finalNodes = await rawNodes(raw, dbName, runId);
      expect(finalNodes).toHaveLength(nodeCount);
      expect(completions.toSorted()).toEqual(finalNodes.map((node) => node.id).toSorted());

      const tree = await readTree(runId, { cwd, store: uri });
      expect(tree.status).toBe('completed');
      expect(shape(tree)).toEqual(shape(referenceTree));
      // The resume released the lease it took over.
      expect((await raw.db(dbName).collection('runs').findOne({ id: runId }))?.driver).toBeNull();
    },
  );
});
