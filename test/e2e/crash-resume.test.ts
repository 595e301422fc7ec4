import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskNode } from '../../src/domain/index.js';
import { readCallLog } from '../../src/llm/scripted/index.js';
import { openStore } from '../../src/store/index.js';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom, startCli, waitFor, type JsonTree } from '../support/cli.js';
import { completedLeaves, growingTreeScript } from '../support/growing-tree-script.js';

/**
 * A 22-node synthetic tree: the root plans three tasks, every depth-1 task decomposes into three,
 * and each `…/a` at depth 2 decomposes once more. In every plan `b` waits for `a`. Leaves complete.
 */
const treeScript = growingTreeScript({ delayMs: 60, artifacts: true });

const prompt = 'Grow';
const nodeCount = 22;
const leafCount = 15;

/** mulberry32: a tiny seeded generator, so the kill moments are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = 20_251_121;
const random = seededRandom(seed);
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
/** Kill after this many leaves are stored as completed: early, midway and late in the run. */
const killMoments = [between(1, 3), between(5, 8), between(10, 13)];

const shape = (tree: JsonTree) => flattenTree(tree.root).map((node) => ({ id: node.id, title: node.title, status: node.status }));

async function scriptedWorkspace(): Promise<{ cwd: string; callLog: string }> {
  const cwd = await makeTempDir();
  await writeFile(path.join(cwd, 'tree.yaml'), treeScript);
  return { cwd, callLog: path.join(cwd, 'calls.jsonl') };
}

/** The nodes of a run as stored, read in this process (no CLI is running on the store). */
async function storedNodes(cwd: string, runId: string): Promise<TaskNode[]> {
  const store = await openStore(path.join(cwd, '.arbor'));
  try {
    return await store.listNodes(runId);
  } finally {
    await store.close();
  }
}

let uncrashed: Promise<JsonTree> | undefined;

/** The tree of the same script run without a crash, in its own directory (computed once). */
function uncrashedTree(): Promise<JsonTree> {
  uncrashed ??= (async () => {
    const { cwd } = await scriptedWorkspace();
    const run = await runCli(['run', '--prompt', prompt, '--llm', 'script:tree.yaml'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    return readTree(runIdFrom(run.stdout), { cwd });
  })();
  return uncrashed;
}

describe(`kill -9 during a run, then resume (seed ${seed})`, () => {
  it('builds the synthetic tree without a crash', async () => {
    const tree = await uncrashedTree();
    expect(tree.status).toBe('completed');
    expect(shape(tree)).toHaveLength(nodeCount);
    expect(flattenTree(tree.root).filter((node) => node.children.length === 0)).toHaveLength(leafCount);
    expect(Math.max(...flattenTree(tree.root).map((node) => node.depth))).toBe(3);
  });

  it.each(killMoments)('resumes after a kill once %i leaves are completed, redoing no completed work', async (leavesBeforeKill) => {
    const { cwd, callLog } = await scriptedWorkspace();
    const run = startCli(['run', '--prompt', prompt, '--llm', 'script:tree.yaml'], { cwd, env: { ARBOR_SCRIPT_LOG: callLog } });
    await waitFor('the run id', () => /Run r-\S+ started/.test(run.stdout()));
    const runId = runIdFrom(run.stdout());

    // Watch the store (the CLI's own files) until enough leaves are completed, then kill -9.
    const store = await openStore(path.join(cwd, '.arbor'));
    try {
      await waitFor(`${leavesBeforeKill} completed leaves`, async () => {
        if (run.child.exitCode !== null) throw new Error(`the run ended before the kill:\n${run.stdout()}${run.stderr()}`);
        const nodes = await store.listNodes(runId);
        return completedLeaves(nodes).length >= leavesBeforeKill;
      });
      run.child.kill('SIGKILL');
    } finally {
      await store.close();
    }
    const killed = await run.exited;
    expect(killed.signal).toBe('SIGKILL');

    const atKill = await storedNodes(cwd, runId);
    const completedAtKill = new Set(atKill.filter((node) => node.status === 'completed').map((node) => node.id));
    const decomposedAtKill = new Set(atKill.filter((node) => node.status === 'decomposed').map((node) => node.id));
    expect(completedAtKill.size).toBeGreaterThanOrEqual(leavesBeforeKill);
    expect(completedAtKill.size).toBeLessThan(nodeCount);
    const callsBeforeKill = readCallLog(callLog).length;

    const resume = await runCli(['resume', runId], { cwd, env: { ARBOR_SCRIPT_LOG: callLog } });
    expect(resume.code, `${resume.stdout}${resume.stderr}`).toBe(0);
    expect(resume.stdout).toContain(`Run ${runId} completed`);

    const callsAfterKill = readCallLog(callLog).slice(callsBeforeKill);
    expect(callsAfterKill.length).toBeGreaterThan(0);
    expect(callsAfterKill.every((call) => call.runId === runId)).toBe(true);
    // Completed work is not redone; a node waiting on its children is not planned again.
    expect(callsAfterKill.filter((call) => completedAtKill.has(call.nodeId))).toEqual([]);
    expect(callsAfterKill.filter((call) => decomposedAtKill.has(call.nodeId) && call.role !== 'checker')).toEqual([]);
    // After the resume every step of a node runs once (nothing in this script fails or re-asks).
    const steps = callsAfterKill.map((call) => `${call.nodeId} ${call.role}`);
    expect(steps.filter((step, index) => steps.indexOf(step) !== index)).toEqual([]);

    // Each node reached `completed` exactly once, in the run's recorded events.
    const eventStore = await openStore(path.join(cwd, '.arbor'));
    try {
      const completions = (await eventStore.listEvents(runId)).filter((event) => event.to === 'completed').map((event) => event.nodeId);
      expect(completions.toSorted()).toEqual((await eventStore.listNodes(runId)).map((node) => node.id).toSorted());
      expect(completions).toHaveLength(nodeCount);
    } finally {
      await eventStore.close();
    }

    const tree = await readTree(runId, { cwd });
    expect(tree.status).toBe('completed');
    expect(shape(tree)).toEqual(shape(await uncrashedTree()));
  });
});
