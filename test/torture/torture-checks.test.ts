import { describe, expect, it } from 'vitest';
import type { NodeEvent, TaskNode } from '../../src/domain/index.js';
import type { CallLogEntry } from '../../src/llm/scripted/index.js';
import { createdEvent, move, sampleChild, sampleRun } from '../support/sample-documents.js';
import { allowedMoves, checkTransitions } from './legal-transitions.js';
import {
  checkNothingLost,
  checkNoWorkRedone,
  compareWithReference,
  countRemadeCalls,
} from './torture-checks.js';

const call = (nodeId: string, role: CallLogEntry['role'], attempt = 1): CallLogEntry => ({
  at: '2025-01-01T00:00:00.000Z',
  runId: 'r-1',
  nodeId,
  title: `Task ${nodeId}`,
  depth: 1,
  role,
  attempt,
});

function readyChild(): { root: TaskNode; child: TaskNode; events: NodeEvent[] } {
  // The root is stored `ready` with its run, without an event.
  const root: TaskNode = { ...sampleRun().root, status: 'ready' };
  const child = sampleChild(root, 0, { status: 'ready' });
  return { root, child, events: [createdEvent(child)] };
}

describe('the legal-transition checker', () => {
  it('knows the moves transition allows and no others', () => {
    const moves = allowedMoves();
    expect(moves).toContain('start ready→running');
    expect(moves).toContain('pause running→ready');
    expect(moves).toContain('decide awaiting_approval→pending');
    expect(moves).toContain('create ∅→pending');
    expect(moves).not.toContain('start pending→running');
    expect(moves).not.toContain('pass running→completed');
  });

  it('accepts the events of a node that moved legally, in order', () => {
    const { root, child, events } = readyChild();
    const started = move(child, { type: 'start', lease: { owner: 'a', token: 't', expiresAt: 'x' } });
    const submitted = move(started.node, { type: 'submit' });
    const done = move(submitted.node, { type: 'pass' });
    const all = [...events, started.event, submitted.event, done.event];
    expect(checkTransitions(all, [root, done.node])).toEqual([]);
  });

  it('reports an illegal move, a gap in the chain and a status its events do not reach', () => {
    const { root, child, events } = readyChild();
    const started = move(child, { type: 'start', lease: { owner: 'a', token: 't', expiresAt: 'x' } });
    const submitted = move(started.node, { type: 'submit' });
    const illegal: NodeEvent = { ...submitted.event, type: 'pass', from: 'running', to: 'completed' };
    const messages = (events: NodeEvent[], node: TaskNode) =>
      checkTransitions(events, [root, node]).map((violation) => violation.message);
    expect(messages([...events, started.event, illegal], { ...child, status: 'completed' })).toEqual([
      expect.stringContaining('illegal stored transition pass running→completed'),
    ]);
    // The start event was lost: submit does not start where the node was.
    expect(messages([...events, submitted.event], submitted.node)).toEqual([
      expect.stringContaining('does not start where the node was (ready)'),
    ]);
    expect(messages([...events, started.event], submitted.node)).toEqual([
      'stored status checking but its events end at running',
    ]);
    expect(messages([started.event], started.node)).toEqual([
      expect.stringContaining('does not start where the node was (not created)'),
    ]);
  });
});

describe('the redone-work checker', () => {
  it('reports any call on a node completed before the kill', () => {
    const { child } = readyChild();
    const completed = { ...child, status: 'completed' as const };
    expect(checkNoWorkRedone([completed], [call(child.id, 'checker')])).toEqual([
      expect.stringContaining('though it was completed before'),
    ]);
  });

  it('reports a stored answer asked again, unless a check sent the node back first', () => {
    const { child } = readyChild();
    const executed: TaskNode = {
      ...child,
      status: 'checking',
      pipeline: { ...child.pipeline, execution: { action: 'complete', reason: null, result: null } },
    };
    expect(checkNoWorkRedone([executed], [call(child.id, 'executor')])).toEqual([
      expect.stringContaining('though its executor answer was stored before'),
    ]);
    expect(checkNoWorkRedone([executed], [call(child.id, 'checker'), call(child.id, 'executor', 2)])).toEqual(
      [],
    );
    // A call in flight at the kill (no answer stored) may be made again.
    expect(checkNoWorkRedone([child], [call(child.id, 'executor')])).toEqual([]);
  });

  it('counts calls made again after a kill', () => {
    expect(
      countRemadeCalls(
        [call('1', 'executor'), call('2', 'executor')],
        [call('1', 'executor'), call('1', 'checker')],
      ),
    ).toBe(1);
  });
});

describe('the lost-work and final-tree checkers', () => {
  it('reports a node lost, or a completed node changed, between kills', () => {
    const { child } = readyChild();
    const completed = { ...child, status: 'completed' as const, version: 4 };
    expect(checkNothingLost([child], [])).toEqual([expect.stringContaining('was stored, then lost')]);
    expect(checkNothingLost([completed], [{ ...completed, status: 'ready', version: 5 }])).toEqual([
      expect.stringContaining('was completed (version 4), then changed'),
    ]);
    expect(checkNothingLost([completed], [completed])).toEqual([]);
  });

  it('reports a missing, extra, unfinished or different node', () => {
    const { root, child } = readyChild();
    const done = (node: TaskNode): TaskNode => ({ ...node, status: 'completed' });
    const other = sampleChild(root, 1);
    expect(compareWithReference([done(root), done(child)], [done(root), done(child)])).toEqual([]);
    expect(compareWithReference([done(root), done(child)], [done(root), done(other)])).toEqual([
      expect.stringContaining(`node ${child.id} "${child.title}" of the uncrashed run is missing`),
      expect.stringContaining(`node ${other.id} "${other.title}" is not in the uncrashed run`),
    ]);
    expect(compareWithReference([done(child)], [child])).toEqual([
      expect.stringContaining('ended ready, not completed'),
      expect.stringContaining('differs from the uncrashed run in status'),
    ]);
    expect(compareWithReference([done(child)], [{ ...done(child), title: 'renamed' }])).toEqual([
      expect.stringContaining('differs from the uncrashed run in title'),
    ]);
  });
});
