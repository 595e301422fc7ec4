import { isDeepStrictEqual } from 'node:util';
import {
  ConflictError,
  StoreError,
  type NodeEvent,
  type NodePatch,
  type TaskNode,
} from '../../domain/index.js';
import { parseEvent, parseNode, parseNodeUpdate } from '../read-documents.js';
import type { UpdateNodeOptions } from '../store.js';
import { eventDocument, eventsOnNode, type EventDocument, type NodeDocument } from './event-document.js';
import type { EventLog } from './event-log.js';
import { GroupCommit } from './group-commit.js';
import { onlyDuplicates, sharedRunId } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';
import type { StoreCall } from './retry-transient.js';
import { withoutFields } from './without-fields.js';

/** A conditional node update waiting for its group commit. */
interface NodeWrite {
  runId: string;
  nodeId: string;
  expectedVersion: number;
  /** Arbor's patch (to recognise the write once it landed). */
  patch: NodePatch;
  /** What is set: the patch, with the node's `recentEvents` when the write carries events. */
  set: NodePatch & { recentEvents?: EventDocument[] };
}

/** Whether a write landed; if not, the node as it was found instead (null: it is gone). */
interface NodeWriteResult {
  landed: boolean;
  found: TaskNode | null;
  /** Why it was not even sent: the run is another process's now. */
  refusal?: Error;
}

/** A projection that leaves out MongoDB's `_id` and the bookkeeping of events: Arbor's node. */
export const nodeFields = { _id: 0, recentEvents: 0, lastEvent: 0 } as const;

/**
 * How the MongoDB store inserts and moves nodes. Every write is conditional on the node's `version`
 * and carries the events that explain it in the node's `recentEvents` (see {@link EventLog}). The
 * process that drives a run sends its writes in group commits, one `bulkWrite` of conditional
 * updates for whatever is handed in while the previous one is on its way; other writers (workers
 * of a shared run, `arbor cancel`) use `findOneAndUpdate`, which also returns the events their write
 * replaces, in case the process that wrote them died before storing them.
 */
export class NodeUpdates {
  readonly #grouped: GroupCommit<NodeWrite, NodeWriteResult>;

  constructor(
    private readonly nodes: MongoCollections['nodes'],
    private readonly events: EventLog,
    private readonly call: StoreCall,
    /** Throws when this process may no longer write the run (its lease was lost); checked at each attempt. */
    private readonly fence: (runId: string) => void,
  ) {
    this.#grouped = new GroupCommit({
      write: (writes) =>
        call(`updating ${writes.length} nodes`, () => this.writeAll(writes), { runId: sharedRunId(writes) }),
    });
  }

  /**
   * Inserts new nodes, each carrying its events in `recentEvents` (its creation, and the moves of a
   * node inserted already moved on); nodes already stored (a resumed insert) are left as they are,
   * and so are their events. Answers the events it left out so (their seqs are never stored).
   */
  async insert(nodes: readonly TaskNode[], events: readonly NodeEvent[] = []): Promise<NodeEvent[]> {
    const validNodes = nodes.map((node) => parseNode(node, `new node ${node.id} of run ${node.runId}`));
    const validEvents = events.map((event) =>
      parseEvent(event, `event of node ${event.nodeId} in run ${event.runId}`),
    );
    const runId = nodes[0]?.runId ?? events[0]?.runId;
    const existing = new Set<string>();
    // A node's events are its versions from 0, its creation (a node may be inserted already moved on).
    const byNode = new Map<string, EventDocument[]>();
    const documents = validEvents.map((event) => {
      const ofNode = byNode.get(event.nodeId) ?? [];
      const document = eventDocument(event, ofNode.length);
      ofNode.push(document);
      byNode.set(event.nodeId, ofNode);
      return document;
    });
    if (nodes.length > 0) {
      await this.call(
        `inserting ${nodes.length} nodes`,
        async () => {
          if (runId !== undefined) this.fence(runId);
          try {
            // Copies: the driver adds `_id` to the documents it inserts. Each node carries its
            // events, so that they survive a crash before the events are inserted.
            const nodeDocuments: NodeDocument[] = validNodes.map((node) => ({
              ...node,
              recentEvents: byNode.get(node.id) ?? [],
            }));
            await this.nodes.insertMany(nodeDocuments, { ordered: false });
          } catch (error) {
            const duplicates = onlyDuplicates(error);
            if (duplicates === null) throw error;
            for (const writeError of duplicates) {
              const node = validNodes[writeError.index];
              if (node) existing.add(node.id);
            }
          }
        },
        { runId },
      );
    }
    // Events of nodes that were already there were stored with them the first time.
    this.events.record(documents.filter((event) => !existing.has(event.nodeId)));
    return validEvents.filter((event) => existing.has(event.nodeId));
  }

  /**
   * A conditional write of a node (on `expectedVersion`) with the events that explain it. `driving`:
   * this process holds the run's lease, so no other process moves its nodes.
   */
  async update(options: UpdateNodeOptions, driving: boolean): Promise<TaskNode> {
    const { runId, nodeId, expectedVersion } = options;
    const source = `nodes/${runId}/${nodeId}`;
    const parsed = parseNodeUpdate(options, source);
    const { patch } = parsed;
    const events: EventDocument[] = parsed.events.map((event, index) =>
      eventDocument(event, expectedVersion + 1 + index),
    );
    // The node's earlier events whose insert is not acknowledged yet ride along again: the write
    // replaces `recentEvents`, and must not drop the only copy of an event.
    const set =
      events.length > 0
        ? { ...patch, recentEvents: [...this.events.unrecordedOf(runId, nodeId), ...events] }
        : patch;

    if (options.current && driving) {
      // This process drives the run, so the events this write replaces are ones it wrote itself (a
      // stopped driver's were repaired before): a plain conditional update, grouped with the run's
      // other writes.
      await this.writeGrouped({ runId, nodeId, expectedVersion, patch, set });
      this.events.record(events);
      return { ...options.current, ...patch };
    }

    // The events this write replaces on the node: stored again below (once, by their ids), in case
    // the process that wrote them died before inserting them — another process may take the node
    // over before any repair (shared runs).
    let replaced: EventDocument[] = [];
    const document = await this.call(
      `updating node ${nodeId}`,
      async (attempt) => {
        this.fence(runId);
        if (events.length > 0) {
          // The events ride on the node's own write: a crash before their insert loses nothing.
          const before = await this.nodes.findOneAndUpdate(
            { runId, id: nodeId, version: expectedVersion },
            { $set: set },
            { returnDocument: 'before' },
          );
          if (before) {
            const { _id, lastEvent, recentEvents, ...node } = before;
            replaced = eventsOnNode({ lastEvent, recentEvents });
            return { ...node, ...patch };
          }
        } else {
          // The before image plus the patch: an after image may hold a later writer's change on
          // mongo-java-server (see EventSeqs.reserve).
          const before = await this.nodes.findOneAndUpdate(
            { runId, id: nodeId, version: expectedVersion },
            { $set: patch },
            { returnDocument: 'before' },
          );
          if (before) return { ...withoutFields(before, nodeFields), ...patch };
        }
        const { landed, found } = await this.readBack(runId, nodeId, patch);
        // A retried write whose first attempt landed but whose answer was lost finds its own patch.
        if (attempt > 1 && landed && found) return found;
        throw refused(runId, nodeId, expectedVersion, found);
      },
      { runId, nodeId },
    );
    this.events.record([...replaced, ...events]);
    return parseNode(document, source);
  }

  /** Resolves once the grouped writes queued so far are done. */
  settled(): Promise<void> {
    return this.#grouped.settled();
  }

  /** One node's write in the next group commit. */
  private async writeGrouped(write: NodeWrite): Promise<void> {
    const [result] = await this.#grouped.write([write]);
    if (!result?.landed)
      throw (
        result?.refusal ?? refused(write.runId, write.nodeId, write.expectedVersion, result?.found ?? null)
      );
  }

  /**
   * One round trip for many nodes' conditional updates. When some did not match, each of those is
   * read back: written after all (an earlier attempt of this write landed), moved on by another
   * writer, or missing.
   */
  private async writeAll(writes: readonly NodeWrite[]): Promise<NodeWriteResult[]> {
    // At each attempt: a write retried through an outage must not land in a run this process lost.
    const refusals = writes.map((write) => this.refusalOf(write.runId));
    if (refusals.some((refusal) => refusal !== null)) {
      const live = writes.filter((_, index) => refusals[index] === null);
      const sent = live.length > 0 ? await this.writeAll(live) : [];
      return refusals.map((refusal) => (refusal ? { landed: false, found: null, refusal } : sent.shift()!));
    }
    const result = await this.nodes.bulkWrite(
      writes.map(({ runId, nodeId, expectedVersion, set }) => ({
        updateOne: { filter: { runId, id: nodeId, version: expectedVersion }, update: { $set: set } },
      })),
      { ordered: false },
    );
    if (result.matchedCount === writes.length) return writes.map(() => ({ landed: true, found: null }));
    return Promise.all(writes.map(({ runId, nodeId, patch }) => this.readBack(runId, nodeId, patch)));
  }

  /** The fence's error for a write of this run, or null when it may go out. */
  private refusalOf(runId: string): Error | null {
    try {
      this.fence(runId);
      return null;
    } catch (error) {
      return error as Error;
    }
  }

  /** Reads back the node of a write that did not match: it may have landed on an earlier attempt. */
  private async readBack(runId: string, nodeId: string, patch: NodePatch): Promise<NodeWriteResult> {
    const found = await this.nodes.findOne({ runId, id: nodeId }, { projection: nodeFields });
    return { landed: found !== null && isPatched(found, patch), found };
  }
}

/** The refusal of a write that did not land: the node is gone, or another writer moved it on. */
function refused(runId: string, nodeId: string, expected: number, found: TaskNode | null): Error {
  if (!found) return new StoreError(`node ${nodeId} of run ${runId} does not exist`, { runId, nodeId });
  return new ConflictError(
    `node ${nodeId} was changed by another writer (expected version ${expected}, found ${found.version})`,
    { runId, nodeId },
  );
}

/** True when the node holds every field of the patch: the write landed. */
function isPatched(node: TaskNode, patch: NodePatch): boolean {
  return Object.entries(patch).every(([key, value]) =>
    isDeepStrictEqual((node as Record<string, unknown>)[key], value),
  );
}
