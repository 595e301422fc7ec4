import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskNode } from '../../src/domain/index.js';
import { readCallLog, type CallLogEntry } from '../../src/llm/scripted/index.js';
import { makeTempDir, runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { databaseUri, rawNodes } from '../support/mongodb-cli.js';
import {
  connectTestClient,
  dropTestDatabases,
  mongoTestUri,
  testDatabaseName,
} from '../support/mongodb-test-database.js';
import { growingTreeScript } from '../support/growing-tree-script.js';

/** Worker processes start, run and stop one after the other: more than the default 30 s on a busy machine. */
const slowProcesses = { timeout: 120_000 };

/**
 * A 36-node tree: the root plans five tasks, each depth-1 task decomposes into three (b waits for
 * a), and each `…/a` at depth 2 decomposes into three more. Every call takes 150 ms.
 */
const treeScript = growingTreeScript({ delayMs: 150, rootTasks: ['P', 'Q', 'R', 'S', 'T'] });
const nodeCount = 36;

describe.skipIf(mongoTestUri === undefined)('workers sharing runs on MongoDB', () => {
  const databases: string[] = [];
  let raw: MongoClient;

  beforeAll(async () => {
    raw = await connectTestClient();
  });
  afterAll(async () => {
    await raw.close();
    await dropTestDatabases(databases);
  });

  /** A fresh database and a workspace with the script. */
  async function workspace(): Promise<{ cwd: string; uri: string; dbName: string; callLog: string }> {
    const dbName = testDatabaseName('workers');
    databases.push(dbName);
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'tree.yaml'), treeScript);
    return { cwd, uri: databaseUri(mongoTestUri!, dbName), dbName, callLog: path.join(cwd, 'calls.jsonl') };
  }

  /** A workspace with a detached run in it. */
  async function detachedRun(): Promise<{ cwd: string; uri: string; dbName: string; callLog: string; runId: string }> {
    const { cwd, uri, dbName, callLog } = await workspace();
    const created = await runCli(['run', '--detach', '--prompt', 'Grow', '--llm', 'script:tree.yaml', '--store', uri], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const runId = /Run (r-[0-9a-z]+) created/.exec(created.stdout)?.[1];
    if (!runId) throw new Error(`no run id in:\n${created.stdout}`);
    expect(created.stdout).toContain(`arbor worker --store ${uri} [--run ${runId}]`);
    // The commands it prints work as printed: they name the store.
    expect(created.stdout).toContain(`Watch: arbor tree ${runId} --store ${uri}   arbor workers --store ${uri}`);
    return { cwd, uri, dbName, callLog, runId };
  }

  function startWorker(id: string, setup: { cwd: string; uri: string; callLog: string; runId: string }, extra: string[] = []): CliProcess {
    return startCli(
      ['worker', '--store', setup.uri, '--run', setup.runId, '--id', id, '--concurrency', '3', '--lease-ms', '2000', ...extra],
      { cwd: setup.cwd, env: { ARBOR_SCRIPT_LOG: setup.callLog } },
    );
  }

  const callKey = (call: CallLogEntry) => `${call.role}:${call.nodeId}`;
  const repeated = (calls: readonly CallLogEntry[]) => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const call of calls) (seen.has(callKey(call)) ? twice : seen).add(callKey(call));
    return twice;
  };
  const heldBy = (nodes: readonly TaskNode[], worker: string) =>
    nodes.filter((node) => (node.status === 'running' || node.status === 'checking') && node.lease?.owner === worker).map((node) => node.id);

  it('three workers complete a detached run, calling every agent once per node, spread over the workers', slowProcesses, async () => {
    const setup = await detachedRun();
    const workers = ['w1', 'w2', 'w3'].map((id) => startWorker(id, setup));
    await waitFor('a live worker in arbor workers', async () => {
      const listed = await runCli(['workers', '--store', setup.uri], { cwd: setup.cwd });
      return /^w\d\s+pid \d+/m.test(listed.stdout);
    });
    const results = await Promise.all(workers.map((worker) => worker.exited));
    for (const result of results) expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);

    const nodes = await rawNodes(raw, setup.dbName, setup.runId);
    expect(nodes).toHaveLength(nodeCount);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    expect((await raw.db(setup.dbName).collection('runs').findOne({ id: setup.runId }))?.status).toBe('completed');
    const calls = readCallLog(setup.callLog);
    expect([...repeated(calls)]).toEqual([]);
    expect(new Set(nodes.map((node) => node.worker).filter(Boolean)).size).toBeGreaterThanOrEqual(2);

    const tree = await runCli(['tree', setup.runId, '--store', setup.uri], { cwd: setup.cwd });
    expect(tree.stdout).toMatch(/worker w\d/);
    // Workers that stopped remove their heartbeat.
    const listed = await runCli(['workers', '--store', setup.uri], { cwd: setup.cwd });
    expect(listed.stdout).toContain('No live workers');
  });

  /** A workspace whose script makes a one-task run that writes `notes.txt`, and a database for it. */
  async function filesWorkspace(): Promise<{ cwd: string; uri: string }> {
    const dbName = testDatabaseName('workers');
    databases.push(dbName);
    const cwd = await makeTempDir();
    await writeFile(
      path.join(cwd, 'files.yaml'),
      `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: notes, title: Notes, description: 'write them' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done', output: '', artifacts: [{ path: '{{node.key}}.txt', content: '{{run.id}}' }] } }
  checker: { verdict: pass, feedback: '' }
`,
    );
    return { cwd, uri: databaseUri(mongoTestUri!, dbName) };
  }

  async function detachedFilesRun(workspace: { cwd: string; uri: string }, extra: string[] = []): Promise<string> {
    const created = await runCli(
      ['run', '--detach', '--prompt', 'Files', '--llm', 'script:files.yaml', '--store', workspace.uri, ...extra],
      { cwd: workspace.cwd },
    );
    expect(created.code, created.stderr).toBe(0);
    const runId = /Run (r-[0-9a-z]+) created/.exec(created.stdout)?.[1];
    if (!runId) throw new Error(`no run id in:\n${created.stdout}`);
    return runId;
  }

  it('write artifacts to the --out folder the detached run was created with', slowProcesses, async () => {
    const workspace = await filesWorkspace();
    const { cwd, uri } = workspace;
    const runId = await detachedFilesRun(workspace, ['--out', 'out/shared']);
    const worker = await runCli(['worker', '--store', uri, '--run', runId, '--id', 'w1'], { cwd });
    expect(worker.code, worker.stderr).toBe(0);
    expect(await readFile(path.join(cwd, 'out', 'shared', 'notes.txt'), 'utf8')).toBe(runId);
    expect(existsSync(path.join(cwd, 'arbor-out')), 'arbor-out/ was created').toBe(false);
  });

  it('serving any run with --out DIR, write each run into DIR/RUN', slowProcesses, async () => {
    const workspace = await filesWorkspace();
    const { cwd, uri } = workspace;
    const runIds = [await detachedFilesRun(workspace), await detachedFilesRun(workspace)];
    const worker = startCli(['worker', '--store', uri, '--id', 'w1', '--out', 'out/all'], { cwd });
    await waitFor('both runs written', () =>
      Promise.resolve(runIds.every((runId) => existsSync(path.join(cwd, 'out', 'all', runId, 'notes.txt')))),
    );
    worker.child.kill('SIGTERM');
    const exited = await worker.exited;
    expect(exited.code, `${exited.stdout}${exited.stderr}`).toBe(0);
    for (const runId of runIds)
      expect(await readFile(path.join(cwd, 'out', 'all', runId, 'notes.txt'), 'utf8')).toBe(runId);
    expect(existsSync(path.join(cwd, 'out', 'all', 'notes.txt')), 'a run wrote into out/all itself').toBe(false);
  });

  it('stop when the run they work is cancelled, which ends cancelled, and resume finishes it', slowProcesses, async () => {
    const setup = await detachedRun();
    const worker = startWorker('w1', setup);
    await waitFor('the worker holding nodes well into the run', async () => {
      const nodes = await rawNodes(raw, setup.dbName, setup.runId);
      return nodes.filter((node) => node.status === 'completed').length >= 4 && heldBy(nodes, 'w1').length > 0;
    }, 60_000);
    // The workers take no hold of the run: a cancel tells them through its status, as it tells a driver.
    const cancel = await runCli(['cancel', setup.runId, '--reason', 'wrong plan', '--store', setup.uri], { cwd: setup.cwd });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`Run ${setup.runId} is being cancelled`);
    const left = await worker.exited;
    expect(left.code, `${left.stdout}${left.stderr}`).toBe(0);
    const run = await raw.db(setup.dbName).collection('runs').findOne({ id: setup.runId });
    expect(run).toMatchObject({ status: 'cancelled', stopReason: { kind: 'cancelled', message: 'wrong plan' } });

    const resumed = await runCli(['resume', setup.runId, '--store', setup.uri], { cwd: setup.cwd });
    expect(resumed.code, `${resumed.stdout}${resumed.stderr}`).toBe(0);
    const nodes = await rawNodes(raw, setup.dbName, setup.runId);
    expect(nodes).toHaveLength(nodeCount);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
  });

  it('finishes the run after a worker is killed, re-running only the nodes it held', slowProcesses, async () => {
    const setup = await detachedRun();
    const victim = startWorker('victim', setup, ['--concurrency', '4']);
    const others = ['w1', 'w2'].map((id) => startWorker(id, setup));
    // Killed the moment it is seen holding nodes; what it held then, or claimed just before dying, may be redone.
    const held = new Set<string>();
    await waitFor('the victim holding nodes well into the run', async () => {
      const nodes = await rawNodes(raw, setup.dbName, setup.runId);
      const holding = heldBy(nodes, 'victim');
      if (nodes.filter((node) => node.status === 'completed').length < 6 || holding.length < 2) return false;
      victim.child.kill('SIGKILL');
      for (const id of holding) held.add(id);
      return true;
    }, 60_000);
    expect((await victim.exited).signal).toBe('SIGKILL');
    for (const id of heldBy(await rawNodes(raw, setup.dbName, setup.runId), 'victim')) held.add(id);

    const results = await Promise.all(others.map((worker) => worker.exited));
    for (const result of results) expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    const nodes = await rawNodes(raw, setup.dbName, setup.runId);
    expect(nodes).toHaveLength(nodeCount);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    // A call made twice is one the victim had in flight, on a node it held when it died.
    const twice = [...repeated(readCallLog(setup.callLog))].map((key) => key.split(':')[1]!);
    for (const nodeId of twice) expect(held).toContain(nodeId);
  });

  it("take over a run whose own `arbor run` process was killed, without waiting for that process's node leases", slowProcesses, async () => {
    const { cwd, uri, dbName, callLog } = await workspace();
    const driver = startCli(['run', '--prompt', 'Grow', '--llm', 'script:tree.yaml', '--store', uri], {
      cwd,
      env: { ARBOR_SCRIPT_LOG: callLog },
    });
    await waitFor('the run id', () => /Run r-\S+ started/.test(driver.stdout()));
    const runId = /Run (r-\S+) started/.exec(driver.stdout())![1]!;
    await waitFor('nodes in flight well into the run', async () => {
      const nodes = await rawNodes(raw, dbName, runId);
      return nodes.filter((node) => node.status === 'completed').length >= 4 && nodes.some((node) => node.status === 'running');
    }, 60_000);
    driver.child.kill('SIGKILL');
    expect((await driver.exited).signal).toBe('SIGKILL');
    const inFlight = (await rawNodes(raw, dbName, runId)).filter((node) => node.status === 'running' || node.status === 'checking');
    expect(inFlight.length).toBeGreaterThan(0);
    // As if the dead process's run lease had run out (30 s): the run is open to workers.
    await raw.db(dbName).collection('runs').updateOne({ id: runId }, { $set: { 'driver.expiresAt': new Date(Date.now() - 1000) } });

    const worker = startWorker('heir', { cwd, uri, callLog, runId });
    const result = await worker.exited;
    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(0);
    const nodes = await rawNodes(raw, dbName, runId);
    expect(nodes, output).toHaveLength(nodeCount);
    expect(nodes.every((node) => node.status === 'completed'), output).toBe(true);
    // Only what the dead process had in flight was called again.
    const twice = [...repeated(readCallLog(callLog))].map((key) => key.split(':')[1]!);
    for (const nodeId of twice) expect(inFlight.map((node) => node.id)).toContain(nodeId);
  });

  it('leave a run to the `arbor run` process that drives it, even when named with --run', slowProcesses, async () => {
    const { cwd, uri, dbName, callLog } = await workspace();
    const driver = startCli(['run', '--prompt', 'Grow', '--llm', 'script:tree.yaml', '--store', uri], { cwd });
    await waitFor('the run id', () => /Run r-\S+ started/.test(driver.stdout()));
    const runId = /Run (r-\S+) started/.exec(driver.stdout())![1]!;
    const worker = startWorker('waiter', { cwd, uri, callLog, runId });
    const [driven, waited] = await Promise.all([driver.exited, worker.exited]);
    expect(driven.code, `${driven.stdout}${driven.stderr}`).toBe(0);
    expect(waited.code, `${waited.stdout}${waited.stderr}`).toBe(0);
    expect(waited.stdout).toContain(`run ${runId} is driven by a process of its own; waiting until it stops`);
    const nodes = await rawNodes(raw, dbName, runId);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    expect(nodes.filter((node) => node.worker !== null && node.worker !== undefined)).toEqual([]);
  });

  it('refuse `arbor resume` of a detached run while workers hold its nodes, which they then finish alone', slowProcesses, async () => {
    const setup = await detachedRun();
    const worker = startWorker('keeper', setup);
    await waitFor('a node held by the worker', async () => heldBy(await rawNodes(raw, setup.dbName, setup.runId), 'keeper').length > 0, 60_000);
    const resumed = await runCli(['resume', setup.runId, '--store', setup.uri], { cwd: setup.cwd, env: { ARBOR_SCRIPT_LOG: setup.callLog } });
    expect(resumed.code, `${resumed.stdout}${resumed.stderr}`).toBe(2);
    expect(resumed.stderr).toContain(`run ${setup.runId} is being worked on by arbor worker keeper`);
    expect(resumed.stderr).toContain('fix: watch it with: arbor tree');
    expect(resumed.stderr).toContain('stop that worker first (SIGTERM)');
    const result = await worker.exited;
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    const nodes = await rawNodes(raw, setup.dbName, setup.runId);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    expect([...repeated(readCallLog(setup.callLog))]).toEqual([]);
  });

  it('stops on SIGTERM with exit 0, leaving no node claimed, and the others finish the run', slowProcesses, async () => {
    const setup = await detachedRun();
    const leaving = startWorker('leaving', setup, ['--grace-ms', '500']);
    const staying = startWorker('staying', setup);
    await waitFor('the leaving worker holding nodes', async () => {
      const nodes = await rawNodes(raw, setup.dbName, setup.runId);
      return nodes.filter((node) => node.status === 'completed').length >= 4 && heldBy(nodes, 'leaving').length > 0;
    }, 60_000);
    leaving.child.kill('SIGTERM');
    const left = await leaving.exited;
    expect(left.code, `${left.stdout}${left.stderr}`).toBe(0);
    expect(left.stdout).toContain('worker leaving stopped');
    expect(heldBy(await rawNodes(raw, setup.dbName, setup.runId), 'leaving')).toEqual([]);

    const stayed = await staying.exited;
    expect(stayed.code, `${stayed.stdout}${stayed.stderr}`).toBe(0);
    const nodes = await rawNodes(raw, setup.dbName, setup.runId);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
  });
});

describe('arbor run --detach', () => {
  it('refuses to detach a run on the embedded store', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'tree.yaml'), treeScript);
    const result = await runCli(['run', '--detach', '--prompt', 'Grow', '--llm', 'script:tree.yaml', '--store', '.arbor'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MongoDB');
  });
});
