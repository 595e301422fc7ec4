import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TaskNode } from '../../src/domain/index.js';
import { readCallLog } from '../../src/llm/scripted/index.js';
import { makeTempDir, runCli, runIdFrom, startCli, waitFor, type CliResult } from '../support/cli.js';
import { canStartTestServer, startOutageProxy, startOwnMongoServer } from '../support/mongo-test-server.js';
import { mongoTestUri } from '../support/mongodb-test-database.js';
import { checkTransitions } from './legal-transitions.js';
import { readStoredRun } from './stored-run.js';
import { checkNothingLost, checkNoWorkRedone, compareWithReference } from './torture-checks.js';
import { tortureScript } from './torture-script.js';

/** A reference run, a run that hits the fault and a resume, one after the other. */
const severalProcesses = { timeout: 120_000 };

/** A workspace with the script of a synthetic tree, and the arguments that run it. */
async function workspace(options: { nodes: number; delayMs: number }) {
  const cwd = await makeTempDir('arbor-fault-');
  const script = tortureScript({ nodes: options.nodes, seed: 7, delayMs: options.delayMs });
  const scriptPath = path.join(cwd, 'tree.json');
  await writeFile(scriptPath, script.text);
  return {
    cwd,
    script,
    callLog: path.join(cwd, 'calls.jsonl'),
    runArgs: (store: string) => [
      'run',
      '--prompt',
      script.prompt,
      '--llm',
      `script:${scriptPath}`,
      '--store',
      store,
    ],
  };
}

/** The same script run once without a fault: what the faulted run must end up as. */
async function referenceNodes(
  space: Awaited<ReturnType<typeof workspace>>,
  store: string,
): Promise<TaskNode[]> {
  const result = await runCli([...space.runArgs(store), '--out', path.join(space.cwd, 'reference-out')], {
    cwd: space.cwd,
  });
  expect(result.code, result.stderr).toBe(0);
  return (await readStoredRun(store, runIdFrom(result.stdout))).nodes;
}

/**
 * After the fault: what was stored is kept, the resume redoes no completed work and moves every
 * node legally, and the tree ends as the uncrashed one.
 */
async function expectResumedCleanly(options: {
  store: string;
  runId: string;
  atFault: TaskNode[];
  callsBefore: number;
  callLog: string;
  resume: CliResult;
  reference: TaskNode[];
  /** Nodes expected to differ from the reference (they failed and ran again). */
  ignore?: ReadonlySet<string>;
}): Promise<void> {
  const { resume } = options;
  expect(resume.code, `${resume.stdout}${resume.stderr}`).toBe(0);
  expect(resume.stdout).toContain(`Run ${options.runId} completed`);
  const stored = await readStoredRun(options.store, options.runId);
  expect(checkNoWorkRedone(options.atFault, readCallLog(options.callLog).slice(options.callsBefore))).toEqual(
    [],
  );
  expect(checkNothingLost(options.atFault, stored.nodes)).toEqual([]);
  expect(checkTransitions(stored.events, stored.nodes)).toEqual([]);
  const compared = stored.nodes.filter((node) => !options.ignore?.has(node.id));
  expect(compareWithReference(options.reference, compared)).toEqual([]);
}

/** Ids of the nodes that failed because their artifacts could not be written. */
function failedOnOutput(nodes: readonly TaskNode[]): string[] {
  return nodes
    .filter((node) => node.status === 'failed' && node.error?.message.startsWith('cannot write artifact'))
    .map((node) => node.id);
}

/** `text` as a regex that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the embedded store failing mid-run (ARBOR_TEST_FAULT: tests cannot fill or remount a disk as root)', () => {
  it.each([
    ['read-only', 'EROFS', 'its file system is read-only (EROFS)', 'make STORE writable again'],
    ['full', 'ENOSPC', 'the disk is full (ENOSPC)', 'free space on the disk that holds STORE'],
  ])(
    'stops the run with exit 1 when its disk turns %s, names the store, keeps what was stored, and resume completes it',
    severalProcesses,
    async (_label, code, why, fix) => {
      const space = await workspace({ nodes: 40, delayMs: 20 });
      const store = path.join(space.cwd, '.arbor');
      const reference = await referenceNodes(space, path.join(space.cwd, 'reference-store'));

      const faulted = await runCli([...space.runArgs(store), '--out', path.join(space.cwd, 'out')], {
        cwd: space.cwd,
        env: { ARBOR_SCRIPT_LOG: space.callLog, ARBOR_TEST_FAULT: `store-writes-fail-after:120:${code}` },
      });
      const runId = runIdFrom(faulted.stdout);
      expect(faulted.code, `${faulted.stdout}${faulted.stderr}`).toBe(1);
      expect(faulted.stderr).toMatch(
        new RegExp(
          `^error: the embedded store at ${literal(store)} cannot write while [^\\n]*: ${literal(why)}`,
        ),
      );
      expect(faulted.stderr).toContain(
        `  fix: ${fix.replace('STORE', store)}, then continue with: arbor resume ${runId} --store ${store}`,
      );
      expect(faulted.stderr).not.toMatch(/\n\s+at /);

      const atFault = (await readStoredRun(store, runId)).nodes;
      expect(atFault.filter((node) => node.status === 'completed').length).toBeGreaterThan(0);
      expect(atFault.length).toBeLessThan(reference.length);
      const callsBefore = readCallLog(space.callLog).length;
      // The fault is cleared (the variable is not set): the same command continues the run.
      const resume = await runCli(['resume', runId, '--store', store, '--out', path.join(space.cwd, 'out')], {
        cwd: space.cwd,
        env: { ARBOR_SCRIPT_LOG: space.callLog },
      });
      await expectResumedCleanly({
        store,
        runId,
        atFault,
        callsBefore,
        callLog: space.callLog,
        resume,
        reference,
      });
    },
  );
});

describe('an output folder that cannot be written', () => {
  it(
    'fails the nodes with a reason naming the folder and the fix; resume with a good --out completes the run',
    severalProcesses,
    async () => {
      const space = await workspace({ nodes: 40, delayMs: 20 });
      const store = path.join(space.cwd, '.arbor');
      const reference = await referenceNodes(space, path.join(space.cwd, 'reference-store'));
      // A folder under a regular file: no one can create it, root included.
      await writeFile(path.join(space.cwd, 'a-file'), '');
      const badOut = path.join(space.cwd, 'a-file', 'out');

      const failed = await runCli([...space.runArgs(store), '--out', badOut], {
        cwd: space.cwd,
        env: { ARBOR_SCRIPT_LOG: space.callLog },
      });
      const runId = runIdFrom(failed.stdout);
      expect(failed.code, `${failed.stdout}${failed.stderr}`).toBe(1);
      const atFault = (await readStoredRun(store, runId)).nodes;
      const reasons = failedOnOutput(atFault).map(
        (id) => atFault.find((node) => node.id === id)!.error!.message,
      );
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons[0]).toMatch(
        new RegExp(
          `^cannot write artifact "work/[0-9.]+\\.md" in the output folder ${literal(badOut)} \\(ENOTDIR: .*\\); ` +
            `make ${literal(badOut)} a folder you can write to, or resume the run with --out DIR pointing at one$`,
        ),
      );
      expect(failed.stdout).toContain(`in the output folder ${badOut}`);
      expect(failed.stdout).toContain(`arbor resume ${runId}`);

      const goodOut = path.join(space.cwd, 'good-out');
      const callsBefore = readCallLog(space.callLog).length;
      const resume = await runCli(['resume', runId, '--store', store, '--out', goodOut], {
        cwd: space.cwd,
        env: { ARBOR_SCRIPT_LOG: space.callLog },
      });
      // The nodes whose artifacts could not be written failed: the resume runs them again (so their
      // check history and call counts grow), and nothing else.
      const retried = new Set(failedOnOutput(atFault));
      const isRetried = (node: TaskNode) => retried.has(node.id);
      await expectResumedCleanly({
        store,
        runId,
        atFault: atFault.filter((node) => !isRetried(node)),
        callsBefore,
        callLog: space.callLog,
        resume,
        reference: reference.filter((node) => !isRetried(node)),
        ignore: retried,
      });
      const final = (await readStoredRun(store, runId)).nodes;
      for (const node of final.filter(isRetried)) {
        expect(node.status).toBe('completed');
        expect(node.result).toEqual(reference.find((expected) => expected.id === node.id)!.result);
      }
      // Every leaf's artifact is in the good folder (none could be written before).
      const leaves = reference.filter((node) => !reference.some((other) => other.parentId === node.id));
      expect(readdirSync(path.join(goodOut, 'work'))).toHaveLength(leaves.length);
      expect(existsSync(badOut)).toBe(false);
    },
  );
});

// Stops a MongoDB: a server of its own behind a proxy, never the shared one. mongo-java-server keeps
// its data in memory, so "stopped and restarted" is a cut of every connection that outlasts the
// store's retry window, then the server reachable again.
describe.skipIf(mongoTestUri === undefined || !canStartTestServer())(
  'MongoDB stopped and restarted mid-run',
  () => {
    it(
      'stops the run with exit 1 and a message naming the store; once it is back, resume completes the run with nothing lost',
      severalProcesses,
      async () => {
        const server = await startOwnMongoServer();
        onTestFinished(() => server.kill());
        const proxy = await startOutageProxy(server.port);
        onTestFinished(() => proxy.close());
        const space = await workspace({ nodes: 30, delayMs: 120 });
        const direct = `${server.uri}/arbor_fault`;
        const throughProxy = `mongodb://127.0.0.1:${proxy.port}/arbor_fault`;
        const reference = await referenceNodes(space, `${server.uri}/arbor_fault_reference`);

        const run = startCli([...space.runArgs(throughProxy), '--out', path.join(space.cwd, 'out')], {
          cwd: space.cwd,
          env: { ARBOR_SCRIPT_LOG: space.callLog, ARBOR_MONGODB_RETRY_MS: '1500' },
        });
        await waitFor('the run id', () => /Run r-\S+ started/.test(run.stdout()));
        const runId = runIdFrom(run.stdout());
        await waitFor('five completed nodes', async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the run ended early:\n${run.stdout()}${run.stderr()}`);
          const { nodes } = await readStoredRun(direct, runId);
          return nodes.filter((node) => node.status === 'completed').length >= 5;
        });
        await proxy.cut();
        const stopped = await run.exited;
        expect(stopped.code, `${stopped.stdout}${stopped.stderr}`).toBe(1);
        expect(stopped.stderr).toMatch(
          /^error: MongoDB at mongodb:\/\/127\.0\.0\.1:\d+\/arbor_fault did not answer while /,
        );
        expect(stopped.stderr).toContain(
          `fix: check that MongoDB is reachable, then continue with: arbor resume ${runId}`,
        );

        const atFault = (await readStoredRun(direct, runId)).nodes;
        expect(atFault.filter((node) => node.status === 'completed').length).toBeGreaterThanOrEqual(5);
        const callsBefore = readCallLog(space.callLog).length;
        await proxy.restore();
        const resume = await runCli(
          ['resume', runId, '--store', throughProxy, '--out', path.join(space.cwd, 'out')],
          {
            cwd: space.cwd,
            env: { ARBOR_SCRIPT_LOG: space.callLog },
          },
        );
        await expectResumedCleanly({
          store: direct,
          runId,
          atFault,
          callsBefore,
          callLog: space.callLog,
          resume,
          reference,
        });
      },
    );
  },
);
