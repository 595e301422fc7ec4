import type { NodeEvent, TaskNode } from '../../domain/index.js';

/**
 * A stored event: the event with an `_id` derived from the node version it produced, so that writing
 * it twice (a retry, or the repair after a crash) stores it once, and, when it has a `seq`, `runSeq`
 * ({@link runSeqKey}): the one key by which a reader looks up the seqs after its last (a unique index
 * of one field, which serves `$in` on every MongoDB and on the CI test server).
 */
export type EventDocument = NodeEvent & { _id: string; runSeq?: string };

/** The `runSeq` of the event `seq` of run `runId`. */
export function runSeqKey(runId: string, seq: number): string {
  return `${runId}#${seq}`;
}

/** The stored document of the event that moved its node to `version`. */
export function eventDocument(event: NodeEvent, version: number): EventDocument {
  const document: EventDocument = { _id: eventDocumentId(event, version), ...event };
  if (event.seq !== undefined) document.runSeq = runSeqKey(event.runId, event.seq);
  return document;
}

/** The event of a stored event document (what Arbor's readers parse). */
export function withoutDocumentKeys(document: EventDocument): NodeEvent {
  const { _id: _key, runSeq: _seqKey, ...event } = document;
  return event;
}

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
