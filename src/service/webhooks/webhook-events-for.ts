import { createHash } from 'node:crypto';
import type { Run } from '../../domain/index.js';
import type { EngineEvent } from '../../engine/index.js';
import type { WebhookEventType, WebhookPayload } from './webhook-payload.js';

/** The run a webhook event belongs to. */
export type WebhookRun = Pick<Run, 'id'>;

/**
 * The webhook payloads an engine event calls for (none for most): `run-end` completed, failed or
 * awaiting approval (not a drive that stopped and left the run open: nothing happened to the run),
 * `run-status` awaiting approval, and a node that moves to (or is created in) `failed` or
 * `awaiting_approval`.
 * Node event ids derive from the run, the node and the stored transition (its type and time), so the
 * same transition derived again, after a restart too, has the same id; a run end's from the run, the
 * type and the stored end's time (so a run that fails, is resumed and fails again reports both
 * failures); a wait's from its waiting nodes and their rounds.
 */
export function webhookEventsFor(event: EngineEvent, run: WebhookRun): WebhookPayload[] {
  if (event.type === 'run-end') {
    const type = runEventTypes[event.status];
    if (!type || event.leftOpen) return [];
    return [runPayload(run, type, event.at, [event.at])];
  }
  // A drive that waits for decisions (the service's) does not end while people are asked: the run
  // is stored waiting. The id is the same for the same wait (nodes and rounds), after a restart too.
  if (event.type === 'run-status') {
    if (event.status !== 'awaiting_approval') return [];
    const waits = event.waiting.map((node) => `${node.id}@${node.approval?.round ?? 0}`).sort();
    return [runPayload(run, 'run.awaiting_approval', event.at, waits)];
  }
  // A node may be created already waiting (it needs approval before it runs), not only moved there.
  if (event.type !== 'node-transition' && event.type !== 'node-create') return [];
  const type = nodeEventTypes[event.event.to];
  if (!type) return [];
  const { node, event: transition } = event;
  return [
    {
      id: eventId([run.id, node.id, type, transition.type, transition.at]),
      type,
      runId: run.id,
      node: { id: node.id, title: node.title, status: transition.to },
      at: transition.at,
      link: `/v1/runs/${encodeURIComponent(run.id)}/nodes/${encodeURIComponent(node.id)}`,
    },
  ];
}

/** A run event: its id from the run, the type and `idParts`; its link to the run. */
function runPayload(
  run: WebhookRun,
  type: WebhookEventType,
  at: string,
  idParts: readonly string[],
): WebhookPayload {
  return {
    id: eventId([run.id, type, ...idParts]),
    type,
    runId: run.id,
    at,
    link: `/v1/runs/${encodeURIComponent(run.id)}`,
  };
}

const runEventTypes: Partial<Record<Run['status'], WebhookEventType>> = {
  completed: 'run.completed',
  failed: 'run.failed',
  awaiting_approval: 'run.awaiting_approval',
};

const nodeEventTypes: Partial<Record<string, WebhookEventType>> = {
  failed: 'node.failed',
  awaiting_approval: 'node.awaiting_approval',
};

/** `evt_` and 24 hex digits of a hash of the parts: short, opaque, and stable. */
function eventId(parts: readonly string[]): string {
  return `evt_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}
