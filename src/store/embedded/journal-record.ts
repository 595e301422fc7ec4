import { StoreError, type NodeEvent, type NodePatch, type TaskNode } from '../../domain/index.js';
import { nodeIdentityKeys, parseEvent, parseNode, parseNodePatch, upgradeNode } from '../read-documents.js';

/**
 * One line of a run's `journal.jsonl`: new nodes (with the events that explain them), or a
 * conditional patch of one node with its events (older journals hold one `event`, or null, per
 * patch; they still read). A patch applies only if the node is still at `expected`, so when
 * two processes race, the first line in the file wins and replay always agrees with what writers saw.
 */
export type JournalRecord =
  | { t: 'insert'; nodes: TaskNode[]; events: NodeEvent[] }
  | { t: 'patch'; id: string; expected: number; patch: NodePatch; events: NodeEvent[] };

/**
 * Validates a journal line read from disk; `where` names the file and line for errors. With
 * `validate: false` only its shape is checked (a record, nodes that are documents, a patch that is
 * an object) and node documents are upgraded: its nodes, patch and events are returned unvalidated
 * (identity fields of the patch dropped, as validation drops them), for a reader that validates the
 * nodes they make up once, later.
 */
export function parseJournalRecord(value: unknown, where: string, options: { validate: boolean } = { validate: true }): JournalRecord {
  if (typeof value !== 'object' || value === null || !('t' in value))
    throw new StoreError(`${where}: not a journal record`);
  if (value.t === 'insert' && 'nodes' in value && 'events' in value) {
    const { nodes, events } = value;
    if (!Array.isArray(nodes) || !Array.isArray(events))
      throw new StoreError(`${where}: an insert record needs lists of nodes and events`);
    if (!options.validate)
      return { t: 'insert', nodes: nodes.map((node, index) => upgradedNode(node, `${where}, node ${index + 1}`)), events: events as NodeEvent[] };
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
    if (!options.validate) return { t: 'patch', id, expected, patch: unvalidatedPatch(value.patch, where), events: patchEvents(value) as NodeEvent[] };
    const events = patchEvents(value).map((event, index) =>
      parseEvent(event, `${where}, event ${index + 1}`),
    );
    return { t: 'patch', id, expected, patch: parseNodePatch(value.patch, where), events };
  }
  throw new StoreError(`${where}: unknown journal record`);
}

/** A node document of an insert line, upgraded but not validated: it must have an id. */
function upgradedNode(value: unknown, where: string): TaskNode {
  const node = upgradeNode(value, where);
  if (typeof node.id !== 'string') throw new StoreError(`${where}: the node has no id`);
  return node as unknown as TaskNode;
}

/** A patch of a patch line, not validated: an object, without the fields no write changes. */
function unvalidatedPatch(value: unknown, where: string): NodePatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StoreError(`${where}: the patch is not an object`);
  if (!nodeIdentityKeys.some((key) => key in value)) return value;
  const patch: Record<string, unknown> = { ...value };
  for (const key of nodeIdentityKeys) delete patch[key];
  return patch;
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
