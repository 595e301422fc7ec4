import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../../test/support/cli.js';
import { RunTakenOverError, UsageError } from '../domain/index.js';
import { openStore, type Store } from '../store/index.js';
import { getTree } from './queries.js';
import { resumeRun, startRun } from './runs.js';

const script = `script:${path.join(repoRoot, 'examples', 'release-gate.script.yaml')}`;

describe('RunHandle', () => {
  it('cancels from the handle, refuses a decision on a node that does not wait, and a resume finishes the run', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    try {
      const handle = await startRun({ store, prompt: 'Ship release 1.2', llm: script, outDir: path.join(dir, 'out') });
      let gate: string | null = null;
      for await (const event of handle.events()) {
        if (event.type !== 'approval-request') continue;
        gate = event.node.id;
        await expect(handle.decide('0', { action: 'approve' })).rejects.toThrow(/not waiting for a decision/);
        await expect(handle.decide(gate, { action: 'retry' })).rejects.toThrow(UsageError);
        await handle.cancel('stopped by the test');
      }
      const outcome = await handle.done;
      expect(outcome.status).toBe('cancelled');
      expect(outcome.run.stopReason).toEqual({ kind: 'cancelled', message: 'stopped by the test' });
      expect((await store.getNode(handle.runId, gate!))?.status).toBe('cancelled');

      // The cancelled gate asks again on resume; without a person waiting, the drive ends there.
      const resumed = await resumeRun({ store, runId: handle.runId, waitForApprovals: false });
      expect((await resumed.done).status).toBe('awaiting_approval');
      expect(resumed.approvals().map((approval) => approval.nodeId)).toEqual([gate]);

      const last = await resumeRun({ store, runId: handle.runId });
      const decided = last.events();
      await last.decide(gate!, { action: 'approve', comment: 'fine', by: 'test' });
      for await (const _event of decided);
      expect((await last.done).status).toBe('completed');
      expect((await getTree(store, handle.runId)).root.status).toBe('completed');
      await expect(resumeRun({ store, runId: handle.runId })).rejects.toThrow(/already completed/);
    } finally {
      await store.close();
    }
  });

  it('stores the run as waiting for people while only a decision can move it on, and as running again after it', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    try {
      const handle = await startRun({ store, prompt: 'Ship release 1.2', llm: script, outDir: path.join(dir, 'out') });
      const seen: string[] = [];
      for await (const event of handle.events()) {
        if (event.type === 'run-status' || event.type === 'run-end') seen.push(`${event.type} ${event.status}`);
        if (event.type !== 'run-status' || event.status !== 'awaiting_approval') continue;
        // Stored before it is told: a reader of the store sees it too.
        expect((await store.getRun(handle.runId))?.status).toBe('awaiting_approval');
        expect(event.at).toBe(handle.currentRun().updatedAt);
        expect(event.waiting.map((node) => node.title)).toEqual(['Release to customers']);
        await handle.decide(event.waiting[0]!.id, { action: 'approve', by: 'test' });
      }
      expect(seen).toEqual(['run-status awaiting_approval', 'run-status running', 'run-end completed']);
      expect((await handle.done).status).toBe('completed');
      expect((await store.getRun(handle.runId))?.status).toBe('completed');
    } finally {
      await store.close();
    }
  });

  it('refuses bad input before storing anything', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    try {
      await expect(startRun({ store, prompt: '  ', llm: script })).rejects.toThrow(/prompt is empty/);
      await expect(startRun({ store, prompt: 'x', llm: script, limits: { maxDepth: 0 } })).rejects.toThrow(/limit maxDepth is invalid/);
      // A limit under a wrong name (the flag's, or a near spelling) is named, with the one it meant.
      for (const [wrong, meant] of [['maxCost', 'maxCostUsd'], ['maxNode', 'maxNodes']] as const) {
        const error = (await startRun({ store, prompt: 'x', llm: script, limits: { [wrong]: 1 } }).catch((e: unknown) => e)) as UsageError;
        expect(error.message).toBe(`unknown limit "${wrong}"`);
        expect(error.hint).toMatch(new RegExp(`^did you mean "${meant}"\\? The limits are: maxDepth, `));
      }
      await expect(startRun({ store, prompt: 'x', llm: script, notes: [{ name: '', content: 'x' }] })).rejects.toThrow(/has no name/);
      await expect(startRun({ store, prompt: 'x', model: {} as never })).rejects.toThrow(/is not a model/);
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('stops at once when the run is taken over, neither failing nor ending it, and rejects with the reason', async () => {
    const dir = await makeTempDir();
    const scriptFile = path.join(dir, 'slow.yaml');
    await writeFile(
      scriptFile,
      [
        'rules:',
        '  - role: planner',
        '    depth: 0',
        '    respond: { tasks: [{ key: a, title: Step A, description: first }] }',
        '  - role: executor',
        '    delayMs: 60000',
        "    respond: { action: complete, result: { summary: done, output: '' } }",
        'defaults:',
        '  sequencer: auto',
        "  checker: { verdict: pass, feedback: '' }",
      ].join('\n'),
    );
    const inner = await openStore(dir);
    // The lock as a MongoDB lease hands it out; this one is lost when the test says so.
    const taken = new AbortController();
    const store: Store = new Proxy(inner, {
      get(target, property, receiver) {
        if (property === 'acquireRun')
          return async (runId: string, owner: string) => ({ ...(await target.acquireRun(runId, owner)), lost: taken.signal });
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    try {
      const handle = await startRun({ store, prompt: 'One slow step', llm: `script:${scriptFile}`, outDir: path.join(dir, 'out') });
      const seen: string[] = [];
      for await (const event of handle.events()) {
        seen.push(event.type);
        if (event.type === 'node-transition' && event.node.title === 'Step A' && event.node.status === 'running')
          taken.abort(new RunTakenOverError(`run ${handle.runId} was taken over by a test`));
      }
      // The executor's minute-long call was abandoned, not waited for.
      await expect(handle.done).rejects.toThrow(`run ${handle.runId} was taken over by a test`);
      expect(seen).not.toContain('run-end');
      expect((await inner.getRun(handle.runId))?.status).toBe('running');
    } finally {
      await inner.close();
    }
  });
});
