import { describe, expect, it } from 'vitest';
import type { NodeEvent, TaskNode } from '../../domain/index.js';
import type { EngineEvent } from '../../engine/index.js';
import { sampleChild, sampleRun } from '../../../test/support/sample-documents.js';
import { webhookEventsFor } from './webhook-events-for.js';
import { webhookPayloadSchema } from './webhook-payload.js';

const { run, root } = sampleRun({ id: 'run-webhooks' });

function transition(
  node: TaskNode,
  to: NodeEvent['to'],
  at = '2025-01-01T12:00:05.000Z',
  type = 'fail',
): EngineEvent {
  const event: NodeEvent = {
    schemaVersion: 1,
    runId: run.id,
    nodeId: node.id,
    type,
    from: 'running',
    to,
    actor: 'test',
    reason: null,
    at,
  };
  return { type: 'node-transition', node: { ...node, status: to }, event };
}

describe('webhookEventsFor', () => {
  const child = sampleChild(root, 1, { title: 'Deploy to production' });

  it('maps a node that fails or waits for a person to a node event with a link to the node', () => {
    const [failed] = webhookEventsFor(transition(child, 'failed'), run);
    expect(failed).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{24}$/) as string,
      type: 'node.failed',
      runId: 'run-webhooks',
      node: { id: child.id, title: 'Deploy to production', status: 'failed' },
      at: '2025-01-01T12:00:05.000Z',
      link: `/v1/runs/run-webhooks/nodes/${child.id}`,
    });
    expect(webhookPayloadSchema.parse(failed)).toEqual(failed);
    const [waiting] = webhookEventsFor(
      transition(child, 'awaiting_approval', undefined, 'request-approval'),
      run,
    );
    expect(waiting?.type).toBe('node.awaiting_approval');
    expect(waiting?.node?.status).toBe('awaiting_approval');
  });

  it('maps a node created already waiting for approval (it waits before it runs)', () => {
    const gate = sampleChild(root, 2, { status: 'awaiting_approval', requiresApproval: true });
    const event: NodeEvent = {
      schemaVersion: 1,
      runId: run.id,
      nodeId: gate.id,
      type: 'create',
      from: null,
      to: 'awaiting_approval',
      actor: 'planner',
      reason: null,
      at: gate.createdAt,
    };
    expect(
      webhookEventsFor({ type: 'node-create', node: gate, event }, run).map((payload) => [
        payload.type,
        payload.node?.id,
      ]),
    ).toEqual([['node.awaiting_approval', gate.id]]);
    expect(
      webhookEventsFor(
        { type: 'node-create', node: sampleChild(root, 3), event: { ...event, to: 'pending' } },
        run,
      ),
    ).toEqual([]);
  });

  it('maps the end of a run that completed, failed or waits for people to a run event', () => {
    const ended = (status: 'completed' | 'failed' | 'awaiting_approval' | 'cancelled', leftOpen = false) =>
      webhookEventsFor({ type: 'run-end', status, message: '', at: '2025-01-01T13:00:00.000Z', leftOpen }, run);
    expect(ended('completed')).toEqual([
      {
        id: expect.stringMatching(/^evt_/) as string,
        type: 'run.completed',
        runId: run.id,
        at: '2025-01-01T13:00:00.000Z',
        link: '/v1/runs/run-webhooks',
      },
    ]);
    expect(ended('failed').map((payload) => payload.type)).toEqual(['run.failed']);
    expect(ended('awaiting_approval').map((payload) => payload.type)).toEqual(['run.awaiting_approval']);
    expect(ended('cancelled')).toEqual([]);
    // A drive that stopped and left the run as it was (a server stopping): nothing happened to the run.
    expect(ended('awaiting_approval', true)).toEqual([]);
    expect(ended('running' as 'completed', true)).toEqual([]);
  });

  it('maps a run stored waiting for people to a run event whose id is the same for the same wait', () => {
    const asked = (node: TaskNode, round: number): TaskNode => ({
      ...node,
      status: 'awaiting_approval',
      approval: { kind: 'gate', reason: 'r', round, requestedAt: '2025-01-01T12:00:01.000Z', decision: null },
    });
    const other = sampleChild(root, 2);
    const waiting = (nodes: TaskNode[], at = '2025-01-01T12:00:07.000Z'): EngineEvent => ({
      type: 'run-status',
      status: 'awaiting_approval',
      waiting: nodes,
      at,
    });
    const [payload] = webhookEventsFor(waiting([asked(child, 1), asked(other, 1)]), run);
    expect(payload).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{24}$/) as string,
      type: 'run.awaiting_approval',
      runId: 'run-webhooks',
      at: '2025-01-01T12:00:07.000Z',
      link: '/v1/runs/run-webhooks',
    });
    expect(webhookPayloadSchema.parse(payload)).toEqual(payload);
    // The same nodes asked the same rounds (in any order, stored again after a restart): the same wait.
    const id = (event: EngineEvent) => webhookEventsFor(event, run)[0]?.id;
    expect(id(waiting([asked(other, 1), asked(child, 1)], '2025-01-01T12:09:00.000Z'))).toBe(payload!.id);
    expect(id(waiting([asked(other, 1)]))).not.toBe(payload!.id);
    expect(id(waiting([asked(child, 2), asked(other, 1)]))).not.toBe(payload!.id);
    const running: EngineEvent = { type: 'run-status', status: 'running', waiting: [], at: payload!.at };
    expect(webhookEventsFor(running, run)).toEqual([]);
  });

  it('ignores every other event, and transitions to other statuses', () => {
    expect(webhookEventsFor(transition(child, 'completed', undefined, 'pass'), run)).toEqual([]);
    expect(webhookEventsFor(transition(child, 'running', undefined, 'start'), run)).toEqual([]);
    expect(webhookEventsFor({ type: 'approval-request', node: child }, run)).toEqual([]);
    expect(webhookEventsFor({ type: 'budget-stop', budget: 'maxCalls', message: 'spent' }, run)).toEqual([]);
  });

  it('gives the same event the same id every time, and different events different ids', () => {
    const id = (event: EngineEvent) => webhookEventsFor(event, run)[0]?.id;
    expect(id(transition(child, 'failed'))).toBe(id(transition(child, 'failed')));
    expect(id(transition(child, 'failed'))).not.toBe(
      id(transition(child, 'failed', '2025-01-01T12:00:09.000Z')),
    );
    expect(id(transition(child, 'failed'))).not.toBe(id(transition(sampleChild(root, 2), 'failed')));
    // A run's end: by the stored end's time (a run that fails, is resumed and fails again: two events).
    const end = (at: string): EngineEvent => ({ type: 'run-end', status: 'failed', message: '', at, leftOpen: false });
    expect(id(end('2025-01-01T13:00:00.000Z'))).toBe(id(end('2025-01-01T13:00:00.000Z')));
    expect(id(end('2025-01-01T13:00:00.000Z'))).not.toBe(id(end('2025-01-01T14:00:00.000Z')));
    expect(webhookEventsFor(end('2025-01-01T13:00:00.000Z'), run)[0]?.at).toBe('2025-01-01T13:00:00.000Z');
  });

  it('escapes ids in links', () => {
    const [payload] = webhookEventsFor(
      { type: 'run-end', status: 'completed', message: '', at: '2025-01-01T13:00:00.000Z', leftOpen: false },
      { id: 'a b/c' },
    );
    expect(payload?.link).toBe('/v1/runs/a%20b%2Fc');
  });
});
