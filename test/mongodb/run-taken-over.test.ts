import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRun } from '../../src/api/index.js';
import { RunTakenOverError } from '../../src/domain/index.js';
import { openMongoStore } from '../../src/store/mongodb/index.js';
import { chainScript } from '../support/chain-script.js';
import { makeTempDir, waitFor } from '../support/cli.js';
import { startOutageProxy } from '../support/mongo-test-server.js';
import { dropTestDatabases, mongoTestUri, testDatabaseName } from '../support/mongodb-test-database.js';

/** Two steps one after the other; the first one's executor answers half a second after it starts. */
const script = chainScript(2, 500);

const leaseMs = 1_500;

// An outage between one server and MongoDB that outlasts its lease, while a second server, which
// still reaches MongoDB, takes the run up: the first must stop and store nothing more of the run.
describe.skipIf(mongoTestUri === undefined)(
  'a run taken over while its driver was cut off from MongoDB',
  () => {
    const dbName = testDatabaseName('taken_over');
    afterAll(() => dropTestDatabases([dbName]));

    it('stops the first driver, whose writes retried through the outage are refused, and leaves the run to the second', async () => {
      const port = Number(new URL(mongoTestUri!).port);
      const proxy = await startOutageProxy(port);
      onTestFinished(() => proxy.close());
      // The first server reaches MongoDB through the proxy; its attempts fail fast while it is cut, and are retried.
      const first = await openMongoStore(`mongodb://127.0.0.1:${proxy.port}`, {
        dbName,
        leaseMs,
        retryForMs: 30_000,
        serverSelectionTimeoutMS: 300,
      });
      onTestFinished(() => first.close());
      const second = await openMongoStore(mongoTestUri!, { dbName });
      onTestFinished(() => second.close());

      const dir = await makeTempDir();
      const scriptFile = path.join(dir, 'steps.yaml');
      await writeFile(scriptFile, script);
      const handle = await startRun({
        store: first,
        prompt: 'Walk two steps',
        llm: `script:${scriptFile}`,
        outDir: path.join(dir, 'out'),
      });
      const { runId } = handle;
      await waitFor('Step A running', async () =>
        (await second.listNodes(runId)).some((node) => node.title === 'Step A' && node.status === 'running'),
      );
      // Cut while Step A's executor is at work: its answer (in half a second) can only be retried.
      await proxy.cut();
      // The second server takes the run once the first one's lease ran out, as its look for orphans would.
      let lock: Awaited<ReturnType<typeof second.acquireRun>> | undefined;
      await waitFor('the lease to run out', async () => {
        lock = await second.acquireRun(runId, 'second-server').catch(() => undefined);
        return lock !== undefined;
      });
      onTestFinished(() => lock?.release());
      const nodesAtTakeOver = await second.listNodes(runId);
      const runAtTakeOver = await second.getRun(runId);
      expect(nodesAtTakeOver.find((node) => node.title === 'Step A')?.status).toBe('running');
      await proxy.restore();

      await expect(handle.done).rejects.toSatisfy(
        (error) =>
          error instanceof RunTakenOverError &&
          error.message.includes(`run ${runId} was taken over`) &&
          error.message.includes('second-server'),
      );
      await first.settled();
      // Nothing of the first driver landed after the take-over: not Step A's answer retried through
      // the outage, not its usage flush, not a `failed` status.
      expect(await second.listNodes(runId)).toEqual(nodesAtTakeOver);
      expect(await second.getRun(runId)).toEqual(runAtTakeOver);
    });
  },
);
