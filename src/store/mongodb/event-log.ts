import { StoreError, type NodeEvent } from '../../domain/index.js';
import { parseEvent } from '../read-documents.js';
import type { EventDocument } from './event-document.js';
import { GroupCommit } from './group-commit.js';
import { insertNew, sharedRunId } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';
import type { StoreCall } from './retry-transient.js';

interface QueuedInsert {
  stored: Promise<void>;
  error?: Error;
}

/**
 * The `events` collection as the MongoDB store keeps it. A node's status and its event are one write
 * (the node's `lastEvent`), so an event's own insert need not hold up the writer: inserts go out in
 * group commits, and before a node's next event-bearing write replaces its `lastEvent`, the event it
 * replaces must be stored ({@link EventLog.stored}). A process that died between the two leaves the
 * event on its node only; listing and {@link EventLog.repair} find it there.
 */
export class EventLog {
  readonly #inserts: GroupCommit<EventDocument>;
  /** Event inserts not yet acknowledged, by node. */
  readonly #queued = new Map<string, QueuedInsert>();

  constructor(
    private readonly collections: Pick<MongoCollections, 'events' | 'nodes'>,
    private readonly call: StoreCall,
  ) {
    this.#inserts = new GroupCommit<EventDocument>({
      write: (events) =>
        call(`recording ${events.length} events`, () => this.insert(events), { runId: sharedRunId(events) }),
    });
  }

  /** Inserts events by their derived `_id`s now; ones already stored (a retry, a repair) are skipped. */
  insert(events: readonly EventDocument[]): Promise<void> {
    return insertNew(this.collections.events, events);
  }

  /** Queues the insert of events whose nodes already carry the latest of them as `lastEvent`. */
  record(events: readonly EventDocument[]): void {
    if (events.length === 0) return;
    const entry: QueuedInsert = { stored: Promise.resolve() };
    const keys = [...new Set(events.map((event) => nodeKey(event.runId, event.nodeId)))];
    entry.stored = this.#inserts.write(events).then(
      () => {
        for (const key of keys) if (this.#queued.get(key) === entry) this.#queued.delete(key);
      },
      (error: unknown) => {
        entry.error = error instanceof Error ? error : new StoreError(String(error));
      },
    );
    for (const key of keys) this.#queued.set(key, entry);
  }

  /**
   * Waits until the node's events queued so far are stored: a write that replaces the node's
   * `lastEvent` must not be the only copy of the event before it. Throws (once) if their insert failed.
   */
  async stored(runId: string, nodeId: string): Promise<void> {
    const key = nodeKey(runId, nodeId);
    const entry = this.#queued.get(key);
    if (!entry) return;
    await entry.stored;
    if (this.#queued.get(key) === entry) this.#queued.delete(key);
    if (entry.error !== undefined) throw entry.error;
  }

  /** Resolves once the inserts queued so far are stored (or failed). */
  settled(): Promise<void> {
    return this.#inserts.settled();
  }

  /** The events of a run, or of one node, in the order they were written: stored ones and unrecorded. */
  async list(runId: string, nodeId?: string): Promise<NodeEvent[]> {
    const filter = nodeId === undefined ? { runId } : { runId, nodeId };
    const [stored, unrecorded] = await this.call(
      `listing the events of run ${runId}`,
      async () => {
        const events = await this.collections.events.find(filter).sort({ at: 1, _id: 1 }).toArray();
        return [events, await this.unrecorded(runId, nodeId, events)] as const;
      },
      { runId, nodeId },
    );
    // A node's unrecorded event is its latest: after the stored ones of the same moment.
    const documents = unrecorded.length === 0 ? stored : [...stored, ...unrecorded].sort(byTime);
    return documents.map(({ _id, ...document }) =>
      parseEvent(document, `events/${runId}/${document.nodeId}`),
    );
  }

  /**
   * Stores the events a stopped process wrote on a run's nodes but not in `events`: before a new
   * driver moves any node (and replaces its `lastEvent`).
   */
  repair(runId: string): Promise<void> {
    return this.call(
      `recording the events of run ${runId} a stopped process left unrecorded`,
      async () => {
        const unrecorded = await this.unrecorded(runId, undefined, null);
        if (unrecorded.length > 0) await this.insert(unrecorded);
      },
      { runId },
    );
  }

  /**
   * The `lastEvent`s of a run's nodes (or of one node) that are not in `events`: written with their
   * node by a process that died before inserting them. `stored` is what the caller already read
   * from `events` for the same filter, or null to look them up.
   */
  private async unrecorded(
    runId: string,
    nodeId: string | undefined,
    stored: readonly EventDocument[] | null,
  ): Promise<EventDocument[]> {
    const filter = nodeId === undefined ? { runId } : { runId, id: nodeId };
    const latest = (
      await this.collections.nodes
        .find({ ...filter, lastEvent: { $type: 'object' } }, { projection: { _id: 0, lastEvent: 1 } })
        .toArray()
    ).flatMap((node) => (node.lastEvent ? [node.lastEvent] : []));
    if (latest.length === 0) return [];
    const ids = latest.map((event) => event._id);
    const known = new Set(
      stored !== null
        ? stored.map((event) => event._id)
        : (
            await this.collections.events.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()
          ).map((event) => event._id),
    );
    return latest.filter((event) => !known.has(event._id));
  }
}

function nodeKey(runId: string, nodeId: string): string {
  return `${runId}\u0000${nodeId}`;
}

function byTime(a: EventDocument, b: EventDocument): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}
