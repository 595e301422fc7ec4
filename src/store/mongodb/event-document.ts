import type { NodeEvent, TaskNode } from '../../domain/index.js';

/**
 * A stored event: the event with an `_id` derived from the node version it produced, so that writing
 * it twice (a retry, or the repair after a crash) stores it once.
 */
export type EventDocument = NodeEvent & { _id: string };

/**
 * A stored node: the node plus `recentEvents`, the events of its latest writes that may not be in
 * `events` yet, written in the same single-document update as the status they explain. The events'
 * own insert follows; if the process dies before it, the node still holds them and
 * {@link MongoStore} lists them and copies them over before the run is driven again. Stores written
 * by earlier versions hold one `lastEvent` instead; it is read the same way. Neither is part of
 * Arbor's node (reads project them away).
 */
export type NodeDocument = TaskNode & { recentEvents?: EventDocument[]; lastEvent?: EventDocument | null };

/** The events a stored node carries that may not be in `events` yet, oldest first. */
export function eventsOnNode(document: Pick<NodeDocument, 'recentEvents' | 'lastEvent'>): EventDocument[] {
  const recent = document.recentEvents ?? [];
  return document.lastEvent ? [document.lastEvent, ...recent] : recent;
}

/** The `_id` of the event that moved node `nodeId` of `runId` to `version` (0: its creation). */
export function eventDocumentId(event: Pick<NodeEvent, 'runId' | 'nodeId'>, version: number): string {
  // Zero-padded, so that events of one node stored in the same millisecond sort in order.
  return `${event.runId}/${event.nodeId}/${String(version).padStart(6, '0')}`;
}
