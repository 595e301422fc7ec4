import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../support/cli.js';

const run = promisify(execFile);

/** A project of the user's own with Arbor installed in its node_modules (as `npm install arbor` would). */
async function userProject(script: string): Promise<string> {
  const dir = await makeTempDir();
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await symlink(repoRoot, path.join(dir, 'node_modules', 'arbor'), 'dir');
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module', private: true }));
  await writeFile(path.join(dir, 'main.mjs'), script);
  return dir;
}

describe('Arbor as a package, imported by its name', () => {
  it('drives a run with a custom model object, answers its approval through the handle, and reads the tree', async () => {
    const dir = await userProject(`
import { createScriptedModel, getTree, listRuns, openStore, startRun } from 'arbor';

// A model of the user's own, through the Model interface (here delegating to a scripted model).
const scripted = createScriptedModel({ file: process.argv[3] });
const calls = [];
const model = {
  provider: 'in-house',
  modelId: 'rules-1',
  generate(request) {
    calls.push(request.role);
    return scripted.generate(request);
  },
};

const store = await openStore(process.argv[2]);
const handle = await startRun({ store, prompt: 'Ship release 1.2', model, outDir: process.argv[2] + '/out' });
const seen = [];
const asked = [];
for await (const event of handle.events()) {
  seen.push(event.type);
  if (event.type === 'approval-request') {
    asked.push(...handle.approvals().map((a) => ({ nodeId: a.nodeId, kind: a.kind, actions: a.actions })));
    await handle.decide(event.node.id, { action: 'approve', comment: 'ok', by: 'tester' });
  }
}
const outcome = await handle.done;
const tree = await getTree(store, handle.runId);
const runs = await listRuns(store);
await store.close();
console.log(JSON.stringify({ status: outcome.status, llm: outcome.run.llm, asked, seen: [...new Set(seen)], calls: [...new Set(calls)].sort(),
  children: tree.root.children.map((child) => ({ title: child.title, status: child.status, decision: child.approval?.decision ?? null })), runs: runs.map((r) => r.id), runId: handle.runId }));
`);
    const { stdout } = await run(process.execPath, ['main.mjs', path.join(dir, 'store'), path.join(repoRoot, 'examples', 'release-gate.script.yaml')], { cwd: dir });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      status: string;
      llm: string;
      asked: unknown[];
      seen: string[];
      calls: string[];
      children: unknown[];
      runs: string[];
      runId: string;
    };
    expect(result.status).toBe('completed');
    expect(result.llm).toBe('custom:in-house:rules-1');
    expect(result.asked).toEqual([{ nodeId: expect.any(String) as string, kind: 'gate', actions: ['approve', 'reject', 'edit'] }]);
    expect(result.seen).toEqual(expect.arrayContaining(['node-create', 'node-transition', 'call-start', 'call-end', 'approval-request']));
    expect(result.calls).toEqual(['checker', 'executor', 'planner', 'sequencer']);
    expect(result.children).toEqual([
      { title: 'Build the release', status: 'completed', decision: null },
      { title: 'Release to customers', status: 'completed', decision: expect.objectContaining({ action: 'approve', comment: 'ok', by: 'tester' }) as unknown },
    ]);
    expect(result.runs).toEqual([result.runId]);
  });

  it('runs the offline example in examples/ (the README "Use from code" section)', async () => {
    const dir = await makeTempDir();
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'examples', 'use-from-code.mjs'), dir], { cwd: repoRoot });
    expect(stdout).toMatch(/approving \d+ \(Customers see this at once\)/);
    expect(stdout).toMatch(/completed: Build the release \(completed\), Release to customers \(completed\)/);
  });

  it('ships declaration files for what it exports', async () => {
    const dir = await userProject(`import { startRun } from 'arbor';\n`);
    await writeFile(
      path.join(dir, 'check.ts'),
      `import { startRun, type Model, type RunHandle } from 'arbor';
const model: Model = { provider: 'p', modelId: 'm', generate: async () => ({ text: '{}', finishReason: 'complete', refusal: null, usage: { calls: 1, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null } }) };
export const started: Promise<RunHandle> = startRun({ store: null as never, prompt: 'x', model });
// A written plan stands in for the prompt (issue 16).
export const planned: Promise<RunHandle> = startRun({ store: null as never, plan: 'plans/code-review.yaml', params: { diff: 'x' }, model });
// @ts-expect-error: a run needs a prompt or a plan
void startRun({ store: null as never, model });
`,
    );
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }),
    );
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(
      () => ({ code: 0, out: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});
