import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCallLog } from '../../src/llm/scripted/index.js';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom, startCli, waitFor, type JsonTreeNode } from '../support/cli.js';
import { releaseGateScript } from '../support/release-gate-script.js';

/**
 * Three independent tasks: a slow one that keeps the run busy (so a run off a terminal does not stop
 * at "only approvals remain"), a quick one, and one that waits for a person's approval. The slow
 * call (8 s) only has to outlast starting `arbor approve` in a second process, with a wide margin
 * for a busy machine.
 */
const busyScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: migrate, title: Migrate the old data, description: 'copy every row into the new schema' }
        - { key: notes, title: Write the release notes, description: 'what changed for users' }
        - key: staging
          title: Deploy to staging
          description: 'push the build to the shared staging cluster'
          requiresApproval: true
          approvalReason: 'Staging is shared with another team'
  - role: executor
    title: '^Migrate the old data$'
    delayMs: 8000
    respond: { action: complete, result: { summary: 'migrated every row', output: '' } }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;


/** The id of the node a progress line (`HH:MM:SS  ID  TRANSITION  TITLE`) reports. */
function nodeIdIn(stdout: string, transition: string, title: string): string {
  const line = stdout.split('\n').find((candidate) => candidate.includes(` ${transition}  ${title}`));
  const id = line?.trim().split(/\s+/)[1];
  if (!id) throw new Error(`no "${transition}" line for "${title}" in:\n${stdout}`);
  return id;
}

function byTitle(root: JsonTreeNode, title: string): JsonTreeNode {
  const node = flattenTree(root).find((candidate) => candidate.title === title);
  if (!node) throw new Error(`no node titled "${title}"`);
  return node;
}

describe('approvals', () => {
  it('takes an approval from a second process while the run keeps working on other branches', async () => {
    const cwd = await makeTempDir();
    const callLog = path.join(cwd, 'calls.jsonl');
    await writeFile(path.join(cwd, 'busy.yaml'), busyScript);

    const run = startCli(['run', '--prompt', 'Ship version 2', '--llm', 'script:busy.yaml'], { cwd, env: { ARBOR_SCRIPT_LOG: callLog } });
    const request = /^\S+\s+(\S+)\s+needs a decision: Deploy to staging/m;
    await waitFor('the approval request', () => request.test(run.stdout()));
    const runId = runIdFrom(run.stdout());
    const waitingId = request.exec(run.stdout())![1]!;

    // The slow branch is still running, so the run has not stopped at "only approvals remain".
    const approve = await runCli(['approve', runId, waitingId], { cwd });
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`Recorded: approve ${waitingId} "Deploy to staging"`);

    const result = await run.exited;
    expect(result.stdout).toContain(`Run ${runId} completed`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${waitingId}\\s+awaiting_approval → ready\\s+Deploy to staging\\s+\\(approved by `));

    const tree = await readTree(runId, { cwd });
    expect(tree.status).toBe('completed');
    const staging = byTitle(tree.root, 'Deploy to staging');
    expect(staging.id).toBe(waitingId);
    const notes = byTitle(tree.root, 'Write the release notes');
    expect(flattenTree(tree.root).map((node) => node.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(staging.approval?.decision?.action).toBe('approve');
    // The quick sibling finished while the gated node was still waiting.
    expect(notes.endedAt! <= staging.startedAt!).toBe(true);

    const calls = readCallLog(callLog).map((call) => `${call.role} ${call.title}`);
    const stagingExecutor = calls.indexOf('executor Deploy to staging');
    expect(stagingExecutor).toBeGreaterThan(calls.indexOf('executor Write the release notes'));
    expect(stagingExecutor).toBeGreaterThan(calls.indexOf('checker Write the release notes'));
    expect(calls.filter((call) => call === 'executor Deploy to staging')).toHaveLength(1);
  });

  it('exits 3 off a terminal, then a rejection skips the node and resume completes the run', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gate.yaml'), releaseGateScript);

    const run = await runCli(['run', '--prompt', 'Ship version 2', '--llm', 'script:gate.yaml'], { cwd });
    expect(run.code).toBe(3);
    const runId = runIdFrom(run.stdout);
    expect(run.stdout).toContain(`Run ${runId} is waiting for 1 approval`);
    expect(run.stdout).toContain(`arbor approve ${runId}`);
    expect(run.stdout).toContain(`arbor resume ${runId}`);
    const gated = { id: nodeIdIn(run.stdout, 'new → awaiting_approval', 'Release to customers') };

    // A rejection with flags that ask for another decision is refused, not turned into that one.
    for (const [other, named] of [[['--description', 'at night'], '--description'], [['--action', 'approve'], '--action approve']] as const) {
      const mixed = await runCli(['approve', runId, gated.id, '--reject', '--comment', 'no', ...other], { cwd });
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(new RegExp(`^error: --reject and ${named} ask for different decisions\n`));
    }

    const bare = await runCli(['approve', runId, gated.id, '--reject'], { cwd });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^error: a rejection needs a comment saying why\n\s+fix: pass --comment/);

    const reject = await runCli(['approve', runId, gated.id, '--reject', '--comment', 'no'], { cwd });
    expect(reject.code).toBe(0);
    expect(reject.stdout).toContain(`Recorded: reject ${gated.id}`);

    const again = await runCli(['approve', runId, gated.id], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^error: node ${gated.id} was already decided \\(reject by `));
    expect(again.stderr).toContain(`fix: nothing to do; continue the run with: arbor resume ${runId}`);

    const resume = await runCli(['resume', runId], { cwd });
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain(`Run ${runId} completed`);

    const tree = await readTree(runId, { cwd });
    expect(tree.status).toBe('completed');
    expect(tree.root.status).toBe('completed');
    const release = byTitle(tree.root, 'Release to customers');
    expect(release.status).toBe('skipped');
    expect(release.error?.message).toMatch(/rejected by .*: no$/);
    expect(release.approval?.decision).toMatchObject({ action: 'reject', comment: 'no' });
    expect(byTitle(tree.root, 'Build the release').status).toBe('completed');
  });

  it('refuses to decide a node that is not waiting, and lists the waiting ones when no node is named', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gate.yaml'), releaseGateScript);
    const run = await runCli(['run', '--prompt', 'Ship version 2', '--llm', 'script:gate.yaml'], { cwd });
    expect(run.code).toBe(3);
    const runId = runIdFrom(run.stdout);
    const build = { id: nodeIdIn(run.stdout, 'checking → completed', 'Build the release') };
    const gated = { id: nodeIdIn(run.stdout, 'new → awaiting_approval', 'Release to customers') };

    const notWaiting = await runCli(['approve', runId, build.id], { cwd });
    expect(notWaiting.code).toBe(2);
    expect(notWaiting.stderr).toMatch(new RegExp(`^error: node ${build.id} "Build the release" is completed, not waiting for a decision`));
    expect(notWaiting.stderr).toContain(`fix: see which nodes wait with: arbor approve ${runId}`);
    expect(notWaiting.stderr).not.toMatch(/\n\s+at /);

    const unnamed = await runCli(['approve', runId], { cwd });
    expect(unnamed.code).toBe(2);
    expect(unnamed.stdout).toMatch(new RegExp(`^${gated.id}\\s+Release to customers\\s+— Customers see this at once$`, 'm'));
    expect(unnamed.stderr).toMatch(/^error: 1 node\(s\) wait for a decision; name one/);
    expect(unnamed.stderr).toContain(`fix: arbor approve ${runId} NODE`);

    // Neither refusal decided anything.
    expect(byTitle((await readTree(runId, { cwd })).root, 'Release to customers').approval?.decision).toBeNull();
  });
});
