import { describe, expect, it } from 'vitest';
import { newNode } from './new-node.js';
import type { NodeStatus } from './node-status.js';
import type { TaskNode } from './task-node.js';
import { transition, type NodeTransitionEvent } from './transition.js';

const at = '2026-01-01T00:00:00.000Z';
const options = { at, actor: 'test' };

function node(status: NodeStatus, extra: Partial<TaskNode> = {}): TaskNode {
  return {
    ...newNode({
      runId: 'r',
      id: '1',
      parent: null,
      order: 0,
      key: 'k',
      title: 'T',
      description: 'D',
      status,
      at,
    }),
    ...extra,
  };
}

const decision = (action: 'approve' | 'reject' | 'edit' | 'retry' | 'skip' | 'fail', round = 1) => ({
  action,
  comment: 'why',
  description: action === 'edit' ? 'new text' : null,
  by: 'ana',
  at,
  round,
});

const gate = { kind: 'gate' as const, reason: 'prod', round: 1, requestedAt: at, decision: null };
const escalation = { ...gate, kind: 'escalation' as const };

describe('transition', () => {
  it.each<[NodeStatus, NodeTransitionEvent, NodeStatus]>([
    ['pending', { type: 'deps-met' }, 'ready'],
    ['ready', { type: 'start', lease: { owner: 'o', token: 't', expiresAt: at } }, 'running'],
    ['running', { type: 'submit' }, 'checking'],
    ['running', { type: 'decompose' }, 'decomposed'],
    ['checking', { type: 'pass' }, 'completed'],
    ['checking', { type: 'retry', feedback: 'no' }, 'ready'],
    ['checking', { type: 'request-approval', kind: 'escalation', reason: 'r' }, 'awaiting_approval'],
    ['decomposed', { type: 'roll-up' }, 'completed'],
    ['running', { type: 'pause', reason: 'stop' }, 'ready'],
    ['pending', { type: 'skip', error: { kind: 'dependency', message: 'dep failed' } }, 'skipped'],
    ['running', { type: 'fail', error: { kind: 'model', message: 'bad' } }, 'failed'],
    ['failed', { type: 'reopen', to: 'ready' }, 'ready'],
    ['checking', { type: 'cancel', reason: 'user' }, 'cancelled'],
  ])('moves a %s node on %o to %s and records the event', (from, event, to) => {
    const moved = transition(node(from), event, options);
    expect(moved.success).toBe(true);
    if (!moved.success) return;
    expect(moved.value.node.status).toBe(to);
    expect(moved.value.node.version).toBe(1);
    expect(moved.value.event).toMatchObject({ nodeId: '1', from, to, actor: 'test', at, type: event.type });
  });

  it.each<[NodeStatus, NodeTransitionEvent]>([
    ['completed', { type: 'start', lease: { owner: 'o', token: 't', expiresAt: at } }],
    ['pending', { type: 'submit' }],
    ['ready', { type: 'pass' }],
    ['completed', { type: 'fail', error: { kind: 'model', message: 'x' } }],
    ['running', { type: 'roll-up' }],
    ['completed', { type: 'reopen', to: 'ready' }],
    ['running', { type: 'redo', to: 'ready', reason: 'again' }],
    ['pending', { type: 'redo', to: 'ready', reason: 'again' }],
    ['decomposed', { type: 'redo', to: 'decomposed', reason: 'again' }],
  ])('rejects moving a %s node on %o', (from, event) => {
    const moved = transition(node(from), event, options);
    expect(moved).toEqual({
      success: false,
      error: expect.stringContaining(`while it is ${from}`) as unknown,
    });
  });

  it('reopens a failed leaf for a fresh attempt, and a failed parent to wait on its children with its attempts kept', () => {
    const failed = { ...node('failed'), attempts: 2 };
    const leaf = transition(failed, { type: 'reopen', to: 'ready' }, options);
    const parent = transition(failed, { type: 'reopen', to: 'decomposed' }, options);
    expect(leaf.success && leaf.value.node.attempts).toBe(0);
    expect(parent.success && parent.value.node.attempts).toBe(2);
  });

  it('redoes a completed leaf afresh and a completed parent to roll up again, recording why', () => {
    const result = { summary: 'first pass', output: '', artifacts: [] };
    const completed = node('completed', { attempts: 2, startedAt: at, endedAt: at, result });
    const leaf = transition(
      completed,
      { type: 'redo', to: 'ready', reason: 'resumed from node 1 by ana' },
      options,
    );
    const parent = transition(completed, { type: 'redo', to: 'decomposed', reason: 'r' }, options);
    // Neither shows the first pass's result while it is done again.
    expect(leaf.success && leaf.value.node).toMatchObject({
      status: 'ready',
      attempts: 0,
      startedAt: null,
      endedAt: null,
      result: null,
    });
    expect(leaf.success && leaf.value.event).toMatchObject({
      type: 'redo',
      from: 'completed',
      to: 'ready',
      reason: 'resumed from node 1 by ana',
    });
    expect(parent.success && parent.value.node).toMatchObject({
      status: 'decomposed',
      attempts: 2,
      startedAt: at,
      endedAt: null,
      result: null,
    });
    for (const from of ['failed', 'skipped', 'cancelled'] as const)
      expect(transition(node(from), { type: 'redo', to: 'pending', reason: 'r' }, options).success).toBe(
        true,
      );
  });

  it('cancels a node that waits for a person, keeping its approval request as it was', () => {
    for (const approval of [gate, escalation]) {
      const moved = transition(
        node('awaiting_approval', { approval }),
        { type: 'cancel', reason: 'user' },
        options,
      );
      expect(moved.success && [moved.value.node.status, moved.value.node.approval]).toEqual([
        'cancelled',
        approval,
      ]);
    }
  });

  it('reopens a node cancelled while it waited for a person to wait again, in the same round', () => {
    const cancelled = node('cancelled', { approval: { ...escalation, round: 2 }, attempts: 3, endedAt: at });
    const moved = transition(cancelled, { type: 'reopen', to: 'awaiting_approval' }, options);
    expect(moved.success && moved.value.node).toMatchObject({
      status: 'awaiting_approval',
      approval: { kind: 'escalation', round: 2, decision: null },
      attempts: 3,
      endedAt: null,
    });
    expect(moved.success && moved.value.event).toMatchObject({ from: 'cancelled', to: 'awaiting_approval' });
  });

  it('refuses to reopen a node to wait for a decision it has not asked for or already got', () => {
    const decided = node('cancelled', { approval: { ...gate, decision: decision('approve') } });
    expect(transition(decided, { type: 'reopen', to: 'awaiting_approval' }, options).success).toBe(false);
    expect(transition(node('cancelled'), { type: 'reopen', to: 'awaiting_approval' }, options).success).toBe(
      false,
    );
  });

  it('counts attempts: the first start is attempt 1 and each failed check adds one', () => {
    const started = transition(
      node('ready'),
      { type: 'start', lease: { owner: 'o', token: 't', expiresAt: at } },
      options,
    );
    expect(started.success && started.value.node.attempts).toBe(1);
    const retried = transition(node('checking', { attempts: 1 }), { type: 'retry', feedback: 'f' }, options);
    expect(retried.success && retried.value.node.attempts).toBe(2);
  });

  it('keeps a lease only while a node runs, or on a submit by the worker that keeps it for its check', () => {
    const lease = { owner: 'w1', token: 't', expiresAt: at };
    const running = node('running', { lease });
    const kept = transition(running, { type: 'submit', lease }, options);
    expect(kept.success && kept.value.patch.lease).toEqual(lease);
    const handedOn = transition(running, { type: 'submit' }, options);
    expect(handedOn.success && handedOn.value.patch.lease).toBeNull();
    const passed = transition(node('checking', { lease }), { type: 'pass' }, options);
    expect(passed.success && passed.value.patch.lease).toBeNull();
  });

  it('opens a new approval round each time a node asks for a person', () => {
    const moved = transition(
      node('checking', { approval: { ...gate, round: 1, decision: decision('approve') } }),
      { type: 'request-approval', kind: 'escalation', reason: 'r' },
      options,
    );
    expect(moved.success && moved.value.node.approval).toMatchObject({
      kind: 'escalation',
      round: 2,
      decision: null,
    });
  });

  it('asks the round it names (one a redo opened); without one, a new round even after an undecided one', () => {
    const opened = node('pending', { approval: { ...gate, round: 2, decision: null } });
    const asked = transition(opened, { type: 'request-approval', kind: 'gate', reason: 'again', round: 2 }, options);
    expect(asked.success && asked.value.node.approval).toMatchObject({ round: 2, reason: 'again', decision: null });
    // A gate cancelled while it waited asks again in a new round: a late decision for the old one never applies.
    const fresh = transition(opened, { type: 'request-approval', kind: 'gate', reason: 'again' }, options);
    expect(fresh.success && fresh.value.node.approval).toMatchObject({ round: 3, decision: null });
  });

  it('applies gate decisions: approve waits for dependencies, edit changes the description, reject skips', () => {
    const approved = transition(
      node('awaiting_approval', { approval: gate }),
      { type: 'decide', decision: decision('approve'), depsMet: false },
      options,
    );
    expect(approved.success && approved.value.node.status).toBe('pending');
    const edited = transition(
      node('awaiting_approval', { approval: gate }),
      { type: 'decide', decision: decision('edit'), depsMet: true },
      options,
    );
    expect(edited.success && [edited.value.node.status, edited.value.node.description]).toEqual([
      'ready',
      'new text',
    ]);
    const rejected = transition(
      node('awaiting_approval', { approval: gate }),
      { type: 'decide', decision: decision('reject'), depsMet: true },
      options,
    );
    expect(rejected.success && rejected.value.node.error).toEqual({
      kind: 'human',
      message: 'rejected by ana: why',
    });
  });

  it('applies escalation decisions and refuses gate-only ones', () => {
    const retried = transition(
      node('awaiting_approval', { approval: escalation, attempts: 3 }),
      { type: 'decide', decision: decision('retry'), depsMet: true },
      options,
    );
    expect(retried.success && [retried.value.node.status, retried.value.node.attempts]).toEqual(['ready', 1]);
    const failed = transition(
      node('awaiting_approval', { approval: escalation }),
      { type: 'decide', decision: decision('fail'), depsMet: true },
      options,
    );
    expect(failed.success && failed.value.node.status).toBe('failed');
    const wrong = transition(
      node('awaiting_approval', { approval: escalation }),
      { type: 'decide', decision: decision('approve'), depsMet: true },
      options,
    );
    expect(wrong).toEqual({
      success: false,
      error: '"approve" does not answer an escalation; choose retry, skip, fail',
    });
  });

  it('ignores a decision for an earlier round', () => {
    const moved = transition(
      node('awaiting_approval', { approval: { ...gate, round: 2 } }),
      { type: 'decide', decision: decision('approve', 1), depsMet: true },
      options,
    );
    expect(moved.success).toBe(false);
  });
});
