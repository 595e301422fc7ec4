import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir, startCli, waitFor } from '../support/cli.js';
import { chainScript } from '../support/chain-script.js';
import { rawNodes } from '../support/mongodb-cli.js';
import { mongoTestUri } from '../support/mongodb-test-database.js';
import { canStartTestServer, startOutageProxy, startOwnMongoServer } from '../support/mongo-test-server.js';

/** Several CLI processes (and a server) start one after the other: more than the default 30 s on a busy machine. */
const slowProcesses = { timeout: 90_000 };

/** Five steps one after the other, each executor taking a second: a run that is busy for a while. */
const chain = chainScript(5, 1_000);

const database = 'arbor_outage';

/** A plain client straight to the server (never through the proxy), closed when the test ends. */
async function directClient(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  onTestFinished(() => client.close());
  return client;
}

async function runStoppingAt(options: { uri: string; retryMs: number }) {
  const cwd = await makeTempDir();
  await writeFile(path.join(cwd, 'chain.yaml'), chain);
  return startCli(['run', '--prompt', 'Walk the chain', '--llm', 'script:chain.yaml'], {
    cwd,
    env: { MONGODB_URI: options.uri, ARBOR_MONGODB_RETRY_MS: String(options.retryMs) },
  });
}

/** The run id once the CLI printed it. */
async function runIdOf(run: ReturnType<typeof startCli>): Promise<string> {
  await waitFor('the run id', () => /Run r-\S+ started/.test(run.stdout()));
  return /Run (r-\S+) started/.exec(run.stdout())![1]!;
}

// These tests stop a MongoDB server: their own, started here, never the shared one of MONGODB_URI.
describe.skipIf(mongoTestUri === undefined || !canStartTestServer())(
  'a lost MongoDB connection mid-run',
  () => {
    it(
      'is survived when the outage is shorter than the retry window, and the run completes',
      slowProcesses,
      async () => {
        const server = await startOwnMongoServer();
        onTestFinished(() => server.kill());
        const proxy = await startOutageProxy(server.port);
        onTestFinished(() => proxy.close());
        const direct = await directClient(server.uri);

        const run = await runStoppingAt({
          uri: `mongodb://127.0.0.1:${proxy.port}/${database}`,
          retryMs: 20_000,
        });
        const runId = await runIdOf(run);
        // Cut while Step B's executor is at work: its answer has to be stored during the outage.
        await waitFor('Step B running', async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the run ended early:\n${run.stdout()}${run.stderr()}`);
          const nodes = await rawNodes(direct, database, runId);
          return nodes.some((node) => node.title === 'Step B' && node.status === 'running');
        });
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        expect(run.child.exitCode).toBeNull();
        const restoredAt = new Date().toISOString();
        await proxy.restore();

        const result = await run.exited;
        expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
        expect(result.stdout).toContain(`Run ${runId} completed`);
        expect(result.stderr).toBe('');
        const nodes = await rawNodes(direct, database, runId);
        expect(nodes.map((node) => [node.title, node.status]).toSorted()).toEqual([
          ['Step A', 'completed'],
          ['Step B', 'completed'],
          ['Step C', 'completed'],
          ['Step D', 'completed'],
          ['Step E', 'completed'],
          ['Walk the chain', 'completed'],
        ]);
        // The step in flight at the cut was stored after the connection came back, not lost.
        expect(nodes.find((node) => node.title === 'Step B')!.endedAt! > restoredAt).toBe(true);
      },
    );

    it(
      'stops the run with exit 1 and a clear message naming the store when the outage outlasts the window',
      slowProcesses,
      async () => {
        const server = await startOwnMongoServer();
        onTestFinished(() => server.kill());
        const direct = await directClient(server.uri);

        const run = await runStoppingAt({ uri: `${server.uri}/${database}`, retryMs: 2_000 });
        const runId = await runIdOf(run);
        await waitFor('Step A completed', async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the run ended early:\n${run.stdout()}${run.stderr()}`);
          const nodes = await rawNodes(direct, database, runId);
          return nodes.some((node) => node.title === 'Step A' && node.status === 'completed');
        });
        await server.kill();

        const result = await run.exited;
        expect(result.code, `${result.stdout}${result.stderr}`).toBe(1);
        // Which store, what it was doing, and how to go on: not the release that failed after it.
        expect(result.stderr).toMatch(
          new RegExp(
            `^error: MongoDB at ${server.uri}/${database} did not answer while (updating|recording|inserting|reading|listing) `,
          ),
        );
        expect(result.stderr).toContain(
          `fix: check that MongoDB is reachable, then continue with: arbor resume ${runId}`,
        );
        expect(result.stderr).not.toMatch(/\n\s+at /);
      },
    );
  },
);
