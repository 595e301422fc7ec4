import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../domain/index.js';
import { move, sampleChild, sampleRun } from '../../../test/support/sample-documents.js';
import { expectTakenOverFromZombie } from '../../../test/support/zombie-process.js';
import { openEmbeddedStore, type EmbeddedStore } from './embedded-store.js';

const repository = join(import.meta.dirname, '..', '..', '..');

describe('embedded store across processes', () => {
  let directory: string;
  const stores: EmbeddedStore[] = [];
  const open = async () => {
    const store = await openEmbeddedStore(directory);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'arbor-crash-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps every acknowledged write of a process killed with SIGKILL mid-way', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await store.insertNodes([sampleChild(root, 0)]);

    const acknowledged = await runWriterAndKill(directory, run.id, 120);
    const lastVersion = Math.max(...acknowledged.versions);
    expect(lastVersion).toBeGreaterThanOrEqual(120);

    const reopened = await open();
    const node = (await reopened.getNode(run.id, '1'))!;
    // The write in flight at the kill may or may not have landed; nothing acknowledged is lost.
    expect([lastVersion, lastVersion + 1]).toContain(node.version);
    expect(node.description.endsWith(` ${node.version}`)).toBe(true);
    expect(await reopened.listEvents(run.id, '1')).toHaveLength(node.version);
    const ids = new Set((await reopened.listNodes(run.id)).map((listed) => listed.id));
    for (const id of acknowledged.nodes) expect(ids).toContain(id);

    const { patch } = move(node, { type: 'deps-met' });
    await reopened.updateNode({ runId: run.id, nodeId: '1', expectedVersion: node.version, patch });
    expect(await (await open()).getNode(run.id, '1')).toMatchObject({
      status: 'ready',
      version: node.version + 1,
    });
  });

  it('takes over the lock of a process that died', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const deadPid = await pidOfFinishedProcess();
    await writeLock(directory, run.id, { pid: deadPid, hostname: hostname(), owner: 'crashed engine' });
    expect((await store.listOrphanedRuns()).map((orphan) => orphan.id)).toEqual([run.id]);

    const lock = await store.acquireRun(run.id, 'engine');
    expect(await store.listOrphanedRuns()).toEqual([]);
    await expect(store.acquireRun(run.id, 'another engine')).rejects.toThrow(/\(engine\)/);
    await lock.release();
  });

  it.runIf(process.platform === 'linux')(
    'takes over the lock of a process killed and not reaped yet (a zombie)',
    async () => {
      const store = await open();
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      await expectTakenOverFromZombie(store, run.id, (pid) =>
        writeLock(directory, run.id, { pid, hostname: hostname(), owner: 'killed serve' }),
      );
    },
  );

  it('takes over a lock left by an earlier process that had the same pid', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await writeLock(directory, run.id, {
      pid: process.pid,
      hostname: hostname(),
      owner: 'previous container',
    });
    await (await store.acquireRun(run.id, 'engine')).release();
  });

  it('refuses a lock held by a live process and says how to proceed', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    await writeLock(directory, run.id, {
      pid: process.ppid,
      hostname: hostname(),
      owner: 'engine in terminal 1',
    });

    const error = await store.acquireRun(run.id, 'engine').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      `run ${run.id} is being run by process ${process.ppid} (engine in terminal 1); wait for it to finish or stop it`,
    );
    expect((error as UsageError).hint).toContain(join(directory, 'runs', run.id, 'lock'));
  });

  it('leaves a lock that another process took over in place on release', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const lock = await store.acquireRun(run.id, 'engine');
    await writeLock(directory, run.id, { pid: process.ppid, hostname: hostname(), owner: 'newer engine' });
    await lock.release();
    await expect(store.acquireRun(run.id, 'engine')).rejects.toThrow(/newer engine/);
  });
});

interface Acknowledged {
  versions: number[];
  nodes: string[];
}

/** Runs `test/support/journal-writer.ts` and kills it with SIGKILL after `writes` acknowledged writes. */
function runWriterAndKill(directory: string, runId: string, writes: number): Promise<Acknowledged> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/journal-writer.ts', directory, runId],
    {
      cwd: repository,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acknowledged: Acknowledged = { versions: [], nodes: [] };
  let buffered = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, value] = line.split(' ');
      if (kind === 'version') acknowledged.versions.push(Number(value));
      if (kind === 'node' && value) acknowledged.nodes.push(value);
    }
    if (acknowledged.versions.length >= writes) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`the writer exited with ${code} before it was killed:\n${errors}`));
    });
  });
}

/** The pid of a process that has already exited. */
function pidOfFinishedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });
}

async function writeLock(
  directory: string,
  runId: string,
  holder: { pid: number; hostname: string; owner: string },
): Promise<void> {
  const content = { ...holder, at: new Date().toISOString(), token: `token-of-${holder.owner}` };
  await writeFile(join(directory, 'runs', runId, 'lock'), JSON.stringify(content));
}
