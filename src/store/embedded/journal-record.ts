import { StoreError, type NodeEvent, type NodePatch, type TaskNode } from '../../domain/index.js';
import { parseEvent, parseNode, parseNodePatch } from '../read-documents.js';

/**
 * One line of a run's `journal.jsonl`: new nodes (with the events that explain them), or a
 * conditional patch of one node with its events (older journals hold one `event`, or null, per
 * patch; they still read). A patch applies only if the node is still at `expected`, so when
 * two processes race, the first line in the file wins and replay always agrees with what writers saw.
 */
export type JournalRecord =
  | { t: 'insert'; nodes: TaskNode[]; events: NodeEvent[] }
  | { t: 'patch'; id: string; expected: number; patch: NodePatch; events: NodeEvent[] };

/** Validates a journal line read from disk; `where` names the file and line for errors. */
export function parseJournalRecord(value: unknown, where: string): JournalRecord {
  if (typeof value !== 'object' || value === null || !('t' in value))
    throw new StoreError(`${where}: not a journal record`);
  if (value.t === 'insert' && 'nodes' in value && 'events' in value) {
    const { nodes, events } = value;
    if (!Array.isArray(nodes) || !Array.isArray(events))
      throw new StoreError(`${where}: an insert record needs lists of nodes and events`);
    return {
      t: 'insert',
      nodes: nodes.map((node, index) => parseNode(node, `${where}, node ${index + 1}`)),
      events: events.map((event, index) => parseEvent(event, `${where}, event ${index + 1}`)),
    };
  }
  if (value.t === 'patch' && 'id' in value && 'expected' in value && 'patch' in value) {
    const { id, expected } = value;
    if (typeof id !== 'string' || typeof expected !== 'number')
      throw new StoreError(`${where}: a patch record needs a node id and an expected version`);
    const events = patchEvents(value).map((event, index) =>
      parseEvent(event, `${where}, event ${index + 1}`),
    );
    return { t: 'patch', id, expected, patch: parseNodePatch(value.patch, where), events };
  }
  throw new StoreError(`${where}: unknown journal record`);
}

/**
 * The events a journal line holds, unvalidated: for reading events back from lines that were
 * validated when they were first applied, without validating their nodes and patches again.
 */
export function journalRecordEvents(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null || !('t' in value)) return [];
  if (value.t === 'insert' && 'events' in value && Array.isArray(value.events))
    return value.events as unknown[];
  if (value.t === 'patch') return patchEvents(value);
  return [];
}

/** A patch line's events: `events`, or the single `event` (or null) of older journals. */
function patchEvents(value: object): unknown[] {
  if ('events' in value && Array.isArray(value.events)) return value.events as unknown[];
  if ('event' in value && value.event !== null && value.event !== undefined) return [value.event];
  return [];
}
