import { StoreError, type NodeEvent } from '../../domain/index.js';
import { parseEvent } from '../read-documents.js';
import type { EventsAfterOptions } from '../store.js';
import { SeqTail } from '../seq-tail.js';
import { eventsOnNode, runSeqKey, withoutDocumentKeys, type EventDocument } from './event-document.js';
import { GroupCommit } from './group-commit.js';
import { insertNewOnce, onlyDuplicates, sharedRunId } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';
import type { StoreCall } from './retry-transient.js';

/**
 * The `events` collection as the MongoDB store keeps it. A node's status and its events are one
 * write (the node's `recentEvents`), so an event's own insert need not hold up the writer: inserts
 * go out in group commits, and until one is acknowledged, the node's next writes carry its events
 * again ({@link EventLog.unrecordedOf}), so no write waits for an insert and none drops an event
 * that is not stored yet. A process that died before the insert leaves the events on their node
 * only; listing and {@link EventLog.repair} find them there.
 */
export class EventLog {
  readonly #inserts: GroupCommit<EventDocument>;
  /** Events whose insert is not acknowledged yet, by node, oldest first. */
  readonly #unacknowledged = new Map<string, EventDocument[]>();
  /** The same events that have a seq, by run and seq: what {@link after} adds to what it reads. */
  readonly #unacknowledgedSeqs = new Map<string, Map<number, EventDocument>>();
  /** Nodes whose events' insert failed: the node's next write reports it (once). */
  readonly #failures = new Map<string, Error>();
  /** The latest events of the runs this process drives (see {@link follow}). */
  readonly #tails = new Map<string, SeqTail<EventDocument>>();

  constructor(
    private readonly collections: Pick<MongoCollections, 'events' | 'nodes' | 'runs'>,
    private readonly call: StoreCall,
  ) {
    this.#inserts = new GroupCommit<EventDocument>({
      // Nobody waits on these inserts (the events ride on their nodes meanwhile), but a linger would
      // keep each event alive long enough to reach the old heap: at 100,000 nodes it cost 100 MiB of
      // peak memory for no speed. At most 5,000 events wait (see MongoStore.updateNode).
      maxBacklog: 5_000,
      write: (events) =>
        call(`recording ${events.length} events`, () => this.insert(events), { runId: sharedRunId(events) }),
    });
  }

  /**
   * Inserts events by their derived `_id`s now; ones already stored (a retry, a repair) are skipped.
   * An event refused because another event holds its seq fails the insert (a bug in how seqs are
   * given out: it would otherwise be lost without a word).
   */
  insert(events: readonly EventDocument[]): Promise<void> {
    return insertNewOnce(this.collections.events, events, (clashing) => {
      const [first] = clashing;
      return new StoreError(
        `${clashing.length === 1 ? 'an event was' : `${clashing.length} events were`} given a seq another event of its run holds, and could not be stored ` +
          `(the first: seq ${first?.seq} of node ${first?.nodeId} in run ${first?.runId})`,
        { runId: first?.runId, nodeId: first?.nodeId },
      );
    });
  }

  /** Queues the insert of events that their nodes already carry in `recentEvents`. */
  record(events: readonly EventDocument[]): void {
    const queued = events.filter((event) => this.queue(event));
    if (queued.length === 0) return;
    for (const event of queued) this.#tails.get(event.runId)?.add(event);
    void this.#inserts.write(queued).then(
      () => {
        for (const event of queued) this.acknowledge(event);
      },
      (error: unknown) => {
        // The events stay on their nodes (they ride on every write until a repair stores them).
        const failure = error instanceof Error ? error : new StoreError(String(error));
        for (const event of queued) this.#failures.set(nodeKey(event.runId, event.nodeId), failure);
      },
    );
  }

  /**
   * The node's events whose insert is not acknowledged yet, oldest first: a write that replaces the
   * node's `recentEvents` carries them again, so it never holds the only copy of an event it drops.
   * Throws (once) if an insert of the node's events failed.
   */
  unrecordedOf(runId: string, nodeId: string): readonly EventDocument[] {
    const key = nodeKey(runId, nodeId);
    const failure = this.#failures.get(key);
    if (failure !== undefined) {
      this.#failures.delete(key);
      throw failure;
    }
    return this.#unacknowledged.get(key) ?? [];
  }

  /**
   * This process drives the run from now on and the run's seqs up to `base` are others': it keeps
   * the run's latest events, so that {@link after} answers a caught-up reader from memory.
   */
  follow(runId: string, base: number): void {
    this.#tails.set(runId, new SeqTail<EventDocument>((event) => event.seq, base));
  }

  /** This process no longer drives the run. */
  unfollow(runId: string): void {
    this.#tails.delete(runId);
  }

  /** Null while few inserts wait; otherwise resolves once they have caught up (see GroupCommit.room). */
  room(): Promise<void> | null {
    return this.#inserts.room();
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
    // By time, then by `_id`: a node's events of one moment in the order of the versions they made.
    const documents = unrecorded.length === 0 ? stored : [...stored, ...unrecorded].sort(byTimeAndId);
    return documents.map((document) => {
      const { seq: _seq, ...event } = withoutDocumentKeys(document);
      return parseEvent(event, `events/${runId}/${document.nodeId}`);
    });
  }

  /**
   * The run's events whose seq is greater than `after`, in seq order (see `Store.listEventsAfter`).
   * Looks the seqs up by `runSeq`, a window of {@link seqWindow} at a time, going on while a window
   * is found full to its end; adds the events of this process whose insert is not acknowledged yet
   * and, with `onNodes`, those on the run's nodes. Every event stored with a seq up to the last one
   * answered is in the answer.
   */
  async after(runId: string, after: number, options: EventsAfterOptions = {}): Promise<NodeEvent[]> {
    const limit = options.limit ?? Infinity;
    // Stored with a node write this process made (and validated then): no need to parse them again.
    const recent = options.onNodes ? null : (this.#tails.get(runId)?.after(after, limit) ?? null);
    if (recent) return recent.map(withoutDocumentKeys);
    const found = new Map<number, EventDocument>();
    let covered = after;
    // Taken before the reads: an event whose insert is acknowledged meanwhile is then in one or the other.
    const unacknowledged = [...(this.#unacknowledgedSeqs.get(runId)?.values() ?? [])];
    // The run's count of seqs given out (null: no such run), to tell the end from a gap.
    const runSeq = () => this.collections.runs.findOne({ id: runId }, { projection: { eventSeq: 1 } });
    await this.call(
      `listing the events of run ${runId} after seq ${after}`,
      async () => {
        while (found.size < limit) {
          const keys = Array.from({ length: seqWindow }, (_, index) => runSeqKey(runId, covered + 1 + index));
          const documents = await this.collections.events.find({ runSeq: { $in: keys } }).toArray();
          for (const document of documents) if (document.seq !== undefined) found.set(document.seq, document);
          const end = covered + seqWindow;
          // Every seq of the window that is stored was found.
          covered = end;
          if (documents.length === 0) {
            // Past the last seq, or a gap wider than a window (writers that died holding seqs).
            const run = await runSeq();
            // A run stored before seqs: its events are numbered once, by the first who asks.
            if (run && run.eventSeq === undefined && covered === after + seqWindow && (await this.numberOld(runId))) {
              covered = after;
              continue;
            }
            if ((run?.eventSeq ?? 0) <= end) break;
            const [next] = await this.collections.events
              .find({ runId, seq: { $gt: end } })
              .sort({ seq: 1 })
              .limit(1)
              .toArray();
            if (next?.seq === undefined) break;
            covered = next.seq - 1;
            continue;
          }
          // The window ends short: past the last seq, unless a gap ends it (a writer died holding
          // seqs) and events follow, which the page must go on to (a short page reads as the end).
          if (!found.has(end) && ((await runSeq())?.eventSeq ?? 0) <= end) break;
        }
        if (options.onNodes) {
          const onNodes = (
            await this.collections.nodes
              .find({ runId }, { projection: { _id: 0, recentEvents: 1, lastEvent: 1 } })
              .toArray()
          ).flatMap(eventsOnNode);
          for (const event of onNodes) addWithin(found, event, after, covered);
        }
      },
      { runId },
    );
    for (const event of unacknowledged) addWithin(found, event, after, covered);
    return [...found.entries()]
      .sort(([a], [b]) => a - b)
      .slice(0, limit)
      .map(([, document]) => parseEvent(withoutDocumentKeys(document), `events/${runId}/${document.nodeId}`));
  }

  /**
   * Numbers the events of a run stored before seqs existed (its document has no `eventSeq`), once:
   * in {@link list}'s order, from 1, and sets `eventSeq` so that new seqs follow them. The reader or
   * driver that sets `eventSeq` first numbers them (any later one finds it set); true if it was this
   * one and there were events. Events only on nodes are inserted with their seqs.
   */
  async numberOld(runId: string): Promise<boolean> {
    return this.call(
      `numbering the events of run ${runId}, stored before event seqs`,
      async () => {
        const run = await this.collections.runs.findOne({ id: runId });
        if (!run || run.eventSeq !== undefined) return false;
        const stored = await this.collections.events.find({ runId }).sort({ at: 1, _id: 1 }).toArray();
        const onNodes = await this.unrecorded(runId, undefined, stored);
        const all = [...stored, ...onNodes].sort(byTimeAndId);
        const claimed = await this.collections.runs.updateOne(
          { id: runId, eventSeq: { $exists: false } },
          { $set: { eventSeq: all.length } },
        );
        if (claimed.modifiedCount === 0 || all.length === 0) return false;
        const onNode = new Set(onNodes.map((event) => event._id));
        try {
          await this.collections.events.bulkWrite(
            all.map((event, index) => {
              const numbered = { seq: index + 1, runSeq: runSeqKey(runId, index + 1) };
              return onNode.has(event._id)
                ? { insertOne: { document: { ...event, ...numbered } } }
                : { updateOne: { filter: { _id: event._id }, update: { $set: numbered } } };
            }),
            { ordered: false },
          );
        } catch (error) {
          // An event on a node that its writer stored meanwhile (it is numbered with the rest).
          if (onlyDuplicates(error) === null) throw error;
        }
        return true;
      },
      { runId },
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
   * The events on a run's nodes (or one node's) that are not in `events`: written with their node by
   * a process that died before inserting them. `stored` is what the caller already read from
   * `events` for the same filter, or null to look them up.
   */
  private async unrecorded(
    runId: string,
    nodeId: string | undefined,
    stored: readonly EventDocument[] | null,
  ): Promise<EventDocument[]> {
    const filter = nodeId === undefined ? { runId } : { runId, id: nodeId };
    const onNodes = (
      await this.collections.nodes
        .find(filter, { projection: { _id: 0, recentEvents: 1, lastEvent: 1 } })
        .toArray()
    ).flatMap(eventsOnNode);
    if (onNodes.length === 0) return [];
    const ids = onNodes.map((event) => event._id);
    const known = new Set(
      stored !== null
        ? stored.map((event) => event._id)
        : (
            await this.collections.events.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()
          ).map((event) => event._id),
    );
    // A write that carried an event again (its insert was not acknowledged yet) holds it twice.
    return [
      ...new Map(
        onNodes.filter((event) => !known.has(event._id)).map((event) => [event._id, event]),
      ).values(),
    ];
  }

  /** Adds an event to its node's unacknowledged ones; false when it is there already. */
  private queue(event: EventDocument): boolean {
    const key = nodeKey(event.runId, event.nodeId);
    const queued = this.#unacknowledged.get(key);
    if (!queued) this.#unacknowledged.set(key, [event]);
    else if (queued.some((other) => other._id === event._id)) return false;
    else queued.push(event);
    if (event.seq !== undefined) {
      let ofRun = this.#unacknowledgedSeqs.get(event.runId);
      if (!ofRun) this.#unacknowledgedSeqs.set(event.runId, (ofRun = new Map<number, EventDocument>()));
      ofRun.set(event.seq, event);
    }
    return true;
  }

  private acknowledge(event: EventDocument): void {
    if (event.seq !== undefined) {
      const ofRun = this.#unacknowledgedSeqs.get(event.runId);
      if (ofRun?.get(event.seq) === event) ofRun.delete(event.seq);
      if (ofRun?.size === 0) this.#unacknowledgedSeqs.delete(event.runId);
    }
    const key = nodeKey(event.runId, event.nodeId);
    const left = (this.#unacknowledged.get(key) ?? []).filter((other) => other !== event);
    if (left.length > 0) this.#unacknowledged.set(key, left);
    else this.#unacknowledged.delete(key);
  }
}

/** How many seqs {@link EventLog.after} looks up in one query. */
const seqWindow = 128;

/** Adds an event with a seq in (`after`, `covered`] that `found` lacks. */
function addWithin(found: Map<number, EventDocument>, event: EventDocument, after: number, covered: number): void {
  if (event.seq !== undefined && event.seq > after && event.seq <= covered && !found.has(event.seq))
    found.set(event.seq, event);
}

function nodeKey(runId: string, nodeId: string): string {
  return `${runId}\u0000${nodeId}`;
}

function byTimeAndId(a: EventDocument, b: EventDocument): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}
