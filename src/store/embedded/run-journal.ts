import type { NodeEvent, NodePatch, TaskNode } from '../../domain/index.js';
import { StoreError } from '../../domain/index.js';
import { parseEvent, parseNode } from '../read-documents.js';
import { SeqTail } from '../seq-tail.js';
import { journalRecordEvents, parseJournalRecord, type JournalRecord } from './journal-record.js';
import {
  JsonLinesFile,
  type JsonLinesFileOptions,
  type LineHandler,
  type LinePosition,
} from './json-lines-file.js';

/** A conditional write of one node, as {@link RunJournal.patch} appends it. */
export interface JournalPatch {
  id: string;
  expected: number;
  patch: NodePatch;
  events: NodeEvent[];
}

/**
 * The nodes of one run, kept in memory and rebuilt from `journal.jsonl`: replayed once on open, then
 * followed by offset before every read, so a second process sees what the driving one wrote. Writes
 * append one line each (no work proportional to the tree). Events are not kept in memory, but for
 * the latest few applied since the open (so a reader that is caught up, such as a stream of the run,
 * is answered without reading the file): the journal keeps the offsets of the lines that hold
 * accepted events, read back when someone asks for older ones.
 *
 * Nodes are immutable values: each version is a frozen object that readers may keep and share (a
 * patch makes a new one), so the store need not copy a node for every reader. The nodes, patches
 * and events given to `insert` and `patch` are taken over (they become the stored versions): pass
 * fresh, validated values and do not change them afterwards.
 */
export class RunJournal {
  private readonly nodes = new Map<string, TaskNode>();
  /** Node ids in depth, order, id order; dropped when nodes are inserted. */
  private ordered: string[] | null = null;
  /** Byte offsets of the lines that hold events, in order. */
  private readonly eventLines: number[] = [];
  /** For each of `eventLines`: its line number and how many events it holds. */
  private readonly eventLineFacts: Array<{ line: number; count: number }> = [];
  /** How many events the accepted lines hold: the seq of the last one. */
  private eventCount = 0;
  /**
   * The latest events applied since the open, with their seqs (frozen): made once the replay is
   * done, as the replay does not validate events and these are handed out as read.
   */
  private recent: SeqTail<SequencedEvent> | null = null;
  private readonly apply: LineHandler<boolean> = (value, position) =>
    // A record this instance appended was validated before it was written.
    this.applyRecord(
      position.own ? (value as JournalRecord) : parseJournalRecord(value, position.where),
      position,
    );

  private constructor(private readonly file: JsonLinesFile) {}

  /**
   * Opens and replays a journal; null when it does not exist and `create` is false. The replay
   * validates each node once, as the journal leaves it, not every line that built it (issue 17 §1:
   * validating every patch was most of the time `arbor tree` took on a large run): a line is only
   * checked for its shape, and the events it holds are validated when they are read. When a node
   * turns out invalid, the journal is replayed again validating every line, which names the line.
   * Lines appended after the open are validated one by one.
   */
  static open(path: string, options: JsonLinesFileOptions): RunJournal | null {
    const file = JsonLinesFile.open(path, options);
    if (file === null) return null;
    const journal = new RunJournal(file);
    try {
      journal.replayValidatingNodes();
      journal.followEvents();
      return journal;
    } catch {
      journal.close();
    }
    const again = JsonLinesFile.open(path, options);
    if (again === null) return null;
    const strict = new RunJournal(again);
    try {
      strict.refresh();
      strict.followEvents();
    } catch (error) {
      strict.close();
      throw error;
    }
    return strict;
  }

  /** Applies what other processes appended since the last read. */
  refresh(): void {
    this.file.readNew(this.apply);
  }

  /** The node as of the last refresh (frozen). */
  get(nodeId: string): TaskNode | undefined {
    return this.nodes.get(nodeId);
  }

  /** Every node as of the last refresh (frozen), by depth, then order, then id. */
  list(): TaskNode[] {
    this.ordered ??= [...this.nodes.values()].sort(byPosition).map((node) => node.id);
    return this.ordered.map((id) => this.nodes.get(id)).filter((node) => node !== undefined);
  }

  /**
   * Appends the nodes that do not exist yet in one line, with `events` except those of nodes that
   * already existed; nothing when every node exists.
   */
  insert(nodes: readonly TaskNode[], events: readonly NodeEvent[]): void {
    this.refresh();
    const fresh = new Map<string, TaskNode>();
    for (const node of nodes) if (!this.nodes.has(node.id) && !fresh.has(node.id)) fresh.set(node.id, node);
    if (fresh.size === 0) return;
    // A node inserted again (crash-resume) already has its events.
    const kept = events.filter((event) => fresh.has(event.nodeId) || !this.nodes.has(event.nodeId));
    this.file.append({ t: 'insert', nodes: [...fresh.values()], events: kept }, this.apply);
  }

  /** Appends a conditional patch; false when another process moved the node first. */
  patch(write: JournalPatch): boolean {
    return this.file.append({ t: 'patch', ...write }, this.apply);
  }

  /** The accepted events of the run (or of one node), in the order they were written. */
  events(nodeId?: string): NodeEvent[] {
    this.refresh();
    const events: NodeEvent[] = [];
    this.file.readAt(this.eventLines, (value, position) => {
      for (const event of journalRecordEvents(value))
        if (nodeId === undefined || isEventOf(event, nodeId))
          events.push(parseEvent(event, `${position.where}, event`));
    });
    return events;
  }

  /**
   * The run's events after the first `after` of them, at most `limit`, in the order of
   * {@link events}, each with its place in it as its `seq` (from 1): the journal only appends, so
   * these are read from the lines that hold them, not from the start of the file.
   */
  eventsAfter(after: number, limit = Infinity): NodeEvent[] {
    this.refresh();
    const recent = this.recent?.after(after, limit);
    if (recent) return recent;
    let first = 0;
    let skipped = 0;
    while (first < this.eventLines.length && skipped + this.eventLineFacts[first]!.count <= after)
      skipped += this.eventLineFacts[first++]!.count;
    if (first === this.eventLines.length) return [];
    const events: NodeEvent[] = [];
    const offsets = this.eventLines.slice(first);
    this.file.readAt(
      offsets,
      (value, position) => {
        for (const event of journalRecordEvents(value)) events.push(parseEvent(event, `${position.where}, event`));
      },
      { offset: offsets[0]!, line: this.eventLineFacts[first]!.line },
    );
    return events
      .slice(after - skipped, after - skipped + limit)
      .map((event, index) => ({ ...event, seq: after + 1 + index }));
  }

  close(): void {
    this.file.close();
  }

  /** Applies every line unvalidated, then validates each node that the lines made (see {@link open}). */
  private replayValidatingNodes(): void {
    const lastLine = new Map<string, string>();
    this.file.readNew((value, position) => {
      const record = parseJournalRecord(value, position.where, { validate: false });
      const applied = this.applyRecord(record, position);
      if (applied) for (const id of record.t === 'insert' ? record.nodes.map((node) => node.id) : [record.id]) lastLine.set(id, position.where);
      return applied;
    });
    for (const [id, where] of lastLine) this.nodes.set(id, Object.freeze(parseNode(this.nodes.get(id), `${where}, node ${id}`)));
  }

  private applyRecord(record: JournalRecord, position: LinePosition): boolean {
    if (record.t === 'insert') {
      let added = 0;
      for (const node of record.nodes)
        if (!this.nodes.has(node.id)) {
          this.nodes.set(node.id, Object.freeze(node));
          added += 1;
        }
      if (added === 0) return false;
      this.ordered = null;
      this.noteEvents(record.events, position);
      return true;
    }
    const node = this.nodes.get(record.id);
    if (!node)
      throw new StoreError(`${position.where}: update of node ${record.id}, which was never inserted`);
    // A patch written against a version another writer already moved past lost the race.
    if (node.version !== record.expected) return false;
    this.nodes.set(record.id, Object.freeze({ ...node, ...record.patch }));
    this.noteEvents(record.events, position);
    return true;
  }

  private noteEvents(events: readonly NodeEvent[], position: LinePosition): void {
    if (events.length === 0) return;
    this.eventLines.push(position.offset);
    this.eventLineFacts.push({ line: position.line, count: events.length });
    for (const event of events) {
      this.eventCount += 1;
      this.recent?.add(Object.freeze({ ...event, seq: this.eventCount }));
    }
  }

  /** From now on, keeps the latest events in memory (see {@link recent}). */
  private followEvents(): void {
    this.recent = new SeqTail((event) => event.seq, this.eventCount);
  }
}

type SequencedEvent = NodeEvent & { seq: number };

function byPosition(a: TaskNode, b: TaskNode): number {
  return a.depth - b.depth || a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function isEventOf(event: unknown, nodeId: string): boolean {
  return typeof event === 'object' && event !== null && 'nodeId' in event && event.nodeId === nodeId;
}
