import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom, startCli, waitFor } from '../support/cli.js';
import { escalationScript } from '../support/escalation-script.js';

/** Three tasks in a chain; each executor call takes a while, so there is time to interrupt. */
const slowChain = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: First step, description: 'one' }
        - { key: b, title: Second step, description: 'two', dependsOn: [a] }
        - { key: c, title: Third step, description: 'three', dependsOn: [b] }
  - role: executor
    delayMs: 3000
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;

/** A build, then a release that waits for approval. */
const gateScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: build, title: Build the release, description: 'compile' }
        - { key: release, title: Release it, description: 'publish', dependsOn: [build], requiresApproval: true, approvalReason: 'public' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

const statuses = async (runId: string, cwd: string) => {
  const tree = await readTree(runId, { cwd });
  return { run: tree.status, nodes: Object.fromEntries(flattenTree(tree.root).map((node) => [node.title, node.status])) };
};

describe('stopping a run', () => {
  it('Ctrl-C stops new work, exits non-zero saying how to resume, and resume completes the run', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'slow.yaml'), slowChain);
    const run = startCli(['run', '--prompt', 'Three steps', '--llm', 'script:slow.yaml'], { cwd });
    await waitFor('the first step to run', () => run.stdout().includes('ready → running  First step'));
    const runId = runIdFrom(run.stdout());
    run.child.kill('SIGINT');
    const result = await run.exited;

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Stopping: no new work starts; waiting up to 5 s for calls in flight. Press Ctrl-C again to quit now. Continue later with: arbor resume ${runId}`);
    expect(result.stdout).toContain(`Run ${runId} cancelled: interrupted by the user`);
    const stopped = await statuses(runId, cwd);
    expect(stopped.run).toBe('cancelled');
    expect(stopped.nodes['Third step']).not.toBe('completed');

    const resumed = await runCli(['resume', runId], { cwd });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Run ${runId} completed`);
    expect((await statuses(runId, cwd)).nodes).toEqual({
      'Three steps': 'completed',
      'First step': 'completed',
      'Second step': 'completed',
      'Third step': 'completed',
    });
  });

  it('arbor cancel marks a stopped run and its unfinished nodes cancelled, a gate included; resume asks for the gate again', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gate.yaml'), gateScript);
    const run = await runCli(['run', '--prompt', 'Ship it', '--llm', 'script:gate.yaml'], { cwd });
    expect(run.code).toBe(3);
    const runId = runIdFrom(run.stdout);

    const cancel = await runCli(['cancel', runId, '--reason', 'not this week'], { cwd });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Run ${runId} cancelled (2 unfinished nodes cancelled, 1 of them waiting for a decision).`);
    expect(cancel.stdout).toContain(`Continue it later with: arbor resume ${runId} (it asks again for the decision)`);
    expect(await statuses(runId, cwd)).toEqual({
      run: 'cancelled',
      nodes: { 'Ship it': 'cancelled', 'Build the release': 'completed', 'Release it': 'cancelled' },
    });
    const show = await runCli(['show', runId, '0'], { cwd });
    expect(show.stdout).toMatch(/decomposed → cancelled {2}\(cancel by .*\) {2}not this week/);
    expect((await runCli(['show', runId, '2'], { cwd })).stdout).toMatch(/awaiting_approval → cancelled {2}\(cancel by .*\) {2}not this week/);
    expect((await runCli(['cancel', runId], { cwd })).stdout).toContain(`Run ${runId} is already cancelled.`);

    // A decision on the cancelled gate says how to go on.
    const early = await runCli(['approve', runId, '2'], { cwd });
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(`fix: the run was cancelled while it waited: resume the run (arbor resume ${runId}), and decide when it asks again (arbor approve ${runId} 2)`);

    // Cancelling never lets gated work run unapproved: resume waits for the gate again.
    const resumed = await runCli(['resume', runId], { cwd });
    expect(resumed.code).toBe(3);
    expect((await statuses(runId, cwd)).nodes['Release it']).toBe('awaiting_approval');
    expect((await runCli(['approve', runId, '2'], { cwd })).code).toBe(0);
    expect((await runCli(['resume', runId], { cwd })).code).toBe(0);
    expect((await statuses(runId, cwd)).nodes['Release it']).toBe('completed');
  });

  it('arbor cancel applies a decision recorded before it: a rejected gate stays rejected after resume', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'gate.yaml'), gateScript);
    const runId = runIdFrom((await runCli(['run', '--prompt', 'Ship it', '--llm', 'script:gate.yaml'], { cwd })).stdout);
    expect((await runCli(['approve', runId, '2', '--reject', '--comment', 'not public yet'], { cwd })).code).toBe(0);

    const cancel = await runCli(['cancel', runId], { cwd });
    expect(cancel.stdout).toContain('Applied 1 decision recorded before the cancel.');
    expect(cancel.stdout).toContain(`Run ${runId} cancelled (1 unfinished node cancelled).`);
    expect((await statuses(runId, cwd)).nodes['Release it']).toBe('skipped');

    expect((await runCli(['resume', runId], { cwd })).code).toBe(0);
    expect(await statuses(runId, cwd)).toEqual({
      run: 'completed',
      nodes: { 'Ship it': 'completed', 'Build the release': 'completed', 'Release it': 'skipped' },
    });
  });

  it('arbor cancel cancels an escalated node too; resume asks the person again instead of running it', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'escalate.yaml'), escalationScript);
    const run = await runCli(['run', '--prompt', 'Build it', '--llm', 'script:escalate.yaml', '--max-attempts', '1'], { cwd });
    expect(run.code).toBe(3);
    const runId = runIdFrom(run.stdout);

    const cancel = await runCli(['cancel', runId], { cwd });
    expect(cancel.stdout).toContain(`Run ${runId} cancelled (2 unfinished nodes cancelled, 1 of them waiting for a decision).`);
    expect((await statuses(runId, cwd)).nodes['Build the web UI']).toBe('cancelled');

    const resumed = await runCli(['resume', runId], { cwd });
    expect(resumed.code).toBe(3);
    const tree = await readTree(runId, { cwd });
    expect(flattenTree(tree.root).find((node) => node.title === 'Build the web UI')).toMatchObject({
      status: 'awaiting_approval',
      attempts: 1,
      approval: { kind: 'escalation', round: 1, decision: null },
    });
  });

  it('arbor cancel from another terminal stops the process driving the run', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'slow.yaml'), slowChain);
    const run = startCli(['run', '--prompt', 'Three steps', '--llm', 'script:slow.yaml'], { cwd });
    await waitFor('the first step to run', () => run.stdout().includes('ready → running  First step'));
    const runId = runIdFrom(run.stdout());

    const cancel = await runCli(['cancel', runId], { cwd });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Run ${runId} is being cancelled`);
    const result = await run.exited;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`Run ${runId} cancelled: cancelled by `));
    const stopped = await statuses(runId, cwd);
    expect(stopped.run).toBe('cancelled');
    expect(stopped.nodes['Third step']).toBe('cancelled');
    expect(stopped.nodes['Three steps']).toBe('cancelled');

    const resumed = await runCli(['resume', runId], { cwd });
    expect(resumed.code).toBe(0);
    expect((await statuses(runId, cwd)).run).toBe('completed');
  });
});
