import type { NodeEvent, TaskNode } from '../../domain/index.js';

/**
 * A stored event: the event with an `_id` derived from the node version it produced, so that writing
 * it twice (a retry, or the repair after a crash) stores it once.
 */
export type EventDocument = NodeEvent & { _id: string };

/**
 * A stored node: the node plus `lastEvent`, its latest event, written in the same single-document
 * update as the status it explains. The event's own insert follows; if the process dies between the
 * two, `lastEvent` still holds it and {@link MongoStore} lists it and copies it over before the run
 * is driven again. Not part of Arbor's node (reads project it away).
 */
export type NodeDocument = TaskNode & { lastEvent?: EventDocument | null };

/** The `_id` of the event that moved node `nodeId` of `runId` to `version` (0: its creation). */
export function eventDocumentId(event: Pick<NodeEvent, 'runId' | 'nodeId'>, version: number): string {
  // Zero-padded, so that events of one node stored in the same millisecond sort in order.
  return `${event.runId}/${event.nodeId}/${String(version).padStart(6, '0')}`;
}
