import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunTakenOverError, UsageError } from '../../domain/index.js';
import { move, sampleChild, sampleRun } from '../../../test/support/sample-documents.js';
import { expectTakenOverFromZombie } from '../../../test/support/zombie-process.js';
import { openEmbeddedStore, type EmbeddedStore } from './embedded-store.js';

const repository = join(import.meta.dirname, '..', '..', '..');

describe('embedded store across processes', () => {
  let directory: string;
  const stores: EmbeddedStore[] = [];
  const open = async (options: { lockRefreshMs?: number } = {}) => {
    const store = await openEmbeddedStore(directory, options);
    stores.push(store);
    return store;
  };
  const lockOf = (runId: string) => join(directory, 'runs', runId, 'lock');
  /** Makes the run's lock look untouched for `seconds`. */
  const ageLock = (runId: string, seconds: number) => {
    const then = new Date(Date.now() - seconds * 1000);
    return utimes(lockOf(runId), then, then);
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

  it('takes over the lock of another host once it went untouched for a minute, and not before', async () => {
    const store = await open();
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    // A server in a container that was replaced: the new one has another host name, on the same folder.
    await writeLock(directory, run.id, { pid: 7, hostname: 'old-container', owner: 'arbor serve' });
    const orphans = async () => (await store.listOrphanedRuns()).map((orphan) => orphan.id);

    await ageLock(run.id, 50);
    const error = await store.acquireRun(run.id, 'engine').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(`process 7 on old-container (arbor serve)`);
    expect((error as UsageError).hint).toBe(
      "if that host's process is gone, its lock is taken over once it has gone untouched for 60 s",
    );
    expect(await orphans()).not.toContain(run.id);

    await ageLock(run.id, 61);
    expect(await orphans()).toContain(run.id);
    const lock = await store.acquireRun(run.id, 'engine');
    expect(await orphans()).not.toContain(run.id);
    await lock.release();
  });

  it('keeps touching a lock it holds, and stops writing the run once another host took it over', async () => {
    const store = await open({ lockRefreshMs: 20 });
    const { run, root } = sampleRun();
    await store.createRun(run, root);
    const lock = await store.acquireRun(run.id, 'engine');
    await ageLock(run.id, 120);
    await waitUntil(async () => Date.now() - (await stat(lockOf(run.id))).mtimeMs < 10_000);
    expect(lock.lost.aborted).toBe(false);

    // This process stalled; another host found its lock stale and took the run.
    await writeLock(directory, run.id, { pid: 7, hostname: 'new-container', owner: 'arbor serve' });
    await once(lock.lost, 'abort');
    expect(lock.lost.reason).toBeInstanceOf(RunTakenOverError);
    expect((lock.lost.reason as Error).message).toContain(
      'process 7 on new-container (arbor serve) holds it now',
    );
    await expect(store.updateRun(run.id, { status: 'failed' })).rejects.toBeInstanceOf(RunTakenOverError);
    expect((await store.getRun(run.id))?.status).toBe('running');
    await lock.release();
    await expect(store.acquireRun(run.id, 'engine')).rejects.toThrow(/new-container/);
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

/** Polls `condition` every 10 ms, for up to 5 s. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
