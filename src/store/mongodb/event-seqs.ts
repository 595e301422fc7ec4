import { StoreError, type NodeEvent } from '../../domain/index.js';
import type { PendingEventSeqs } from '../store.js';
import type { MongoCollections } from './mongo-collections.js';
import type { StoreCall } from './retry-transient.js';

/**
 * How many seqs the process that drives a run reserves at a time: one round trip per this many
 * events. What is left of a block when the driver stops is given back (or, if it dies, a gap that
 * readers skip once it is old: see `Store.listEventsAfter`).
 */
export const eventSeqBlock = 256;

/** A run's seqs that this process holds and has not given out yet: `next` to `end`, inclusive. */
interface SeqBlock {
  next: number;
  end: number;
}

/** What this process knows of one run's seqs that readers cannot list yet. */
interface RunSeqs {
  /** Seqs given to events whose node write is on its way. */
  writing: Set<number>;
  /** Seqs given to events whose write was refused. */
  abandoned: Set<number>;
}

/**
 * Gives events their `seq`, the run's counter `eventSeq` on its run document being the one source
 * of them for every process: the process that drives a run (holds its lease, so nobody else writes
 * its events) reserves them {@link eventSeqBlock} at a time with `$inc` and hands them out in the
 * order its writes are made; other writers (workers of a shared run) reserve exactly the seqs of
 * each write, one `$inc` before it. It also keeps which of them are on their way or abandoned
 * ({@link pending}), so that this process's readers wait for the first and skip the second at once.
 */
export class EventSeqs {
  readonly #blocks = new Map<string, SeqBlock>();
  /** The driver's reservations queue per run, so that seqs follow the order writes were made. */
  readonly #turns = new Map<string, Promise<unknown>>();
  readonly #runs = new Map<string, RunSeqs>();

  constructor(
    private readonly runs: MongoCollections['runs'],
    private readonly call: StoreCall,
  ) {}

  /**
   * The events with their seqs, marked on their way until {@link settle}. `driving`: this process
   * holds the run's lease. Synchronous while the driver's block lasts (no round trip).
   */
  assign(runId: string, events: readonly NodeEvent[], driving: boolean): NodeEvent[] | Promise<NodeEvent[]> {
    if (events.length === 0) return [];
    if (!driving) return this.reserve(runId, events.length).then((first) => this.give(runId, events, range(first, events.length)));
    const block = this.#blocks.get(runId);
    if (!this.#turns.has(runId) && block && block.end - block.next + 1 >= events.length)
      return this.give(runId, events, this.takeFrom(block, events.length));
    const turn = (this.#turns.get(runId) ?? Promise.resolve()).then(async () => {
      const seqs: number[] = [];
      while (seqs.length < events.length) {
        let current = this.#blocks.get(runId);
        if (!current || current.next > current.end) {
          const size = Math.max(eventSeqBlock, events.length - seqs.length);
          const first = await this.reserve(runId, size);
          current = { next: first, end: first + size - 1 };
          this.#blocks.set(runId, current);
        }
        seqs.push(...this.takeFrom(current, Math.min(events.length - seqs.length, current.end - current.next + 1)));
      }
      return this.give(runId, events, seqs);
    });
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.#turns.set(runId, settled);
    void settled.then(() => {
      if (this.#turns.get(runId) === settled) this.#turns.delete(runId);
    });
    return turn;
  }

  /** A write of events with seqs is over: `stored` (or it may be), or refused (never stored). */
  settle(runId: string, events: readonly NodeEvent[], outcome: 'stored' | 'refused'): void {
    const seqs = this.#runs.get(runId);
    if (!seqs) return;
    for (const event of events) {
      if (event.seq === undefined) continue;
      seqs.writing.delete(event.seq);
      if (outcome === 'refused') seqs.abandoned.add(event.seq);
    }
  }

  /** See `Store.eventSeqsPending`. */
  pending(runId: string): PendingEventSeqs {
    const seqs = this.#runs.get(runId);
    if (!seqs) return { writing: null, abandoned: new Set() };
    let writing: number | null = null;
    for (const seq of seqs.writing) if (writing === null || seq < writing) writing = seq;
    return { writing, abandoned: new Set(seqs.abandoned) };
  }

  /** Forgets the run's block (this process took or gave up its lease). */
  forget(runId: string): void {
    this.#blocks.delete(runId);
  }

  /**
   * Gives back what is left of the driver's block when it lets the run go, if nobody reserved seqs
   * after it meanwhile: the next driver goes on without a gap.
   */
  async giveBack(runId: string): Promise<void> {
    const block = this.#blocks.get(runId);
    this.#blocks.delete(runId);
    if (!block || block.next > block.end) return;
    await this.call(
      `giving back the unused event seqs of run ${runId}`,
      () => this.runs.updateOne({ id: runId, eventSeq: block.end }, { $set: { eventSeq: block.next - 1 } }),
      { runId },
    );
  }

  /**
   * Reserves `count` seqs of the run on its document; the first of them. Computed from the document
   * as it was before the `$inc`, not after: mongo-java-server (the CI stand-in) answers the after
   * image of a concurrent `findAndModify` as it is when the answer is made, which may already hold
   * another writer's `$inc` (two writers were given one seq, and one of their events was dropped as
   * a duplicate). The before image is the one this update applied to, on every server.
   */
  private async reserve(runId: string, count: number): Promise<number> {
    const run = await this.call(
      `reserving ${count} event seqs of run ${runId}`,
      () => this.runs.findOneAndUpdate({ id: runId }, { $inc: { eventSeq: count } }, { returnDocument: 'before' }),
      { runId },
    );
    if (!run) throw new StoreError(`run ${runId} does not exist`, { runId });
    return (run.eventSeq ?? 0) + 1;
  }

  private takeFrom(block: SeqBlock, count: number): number[] {
    const seqs = range(block.next, count);
    block.next += count;
    return seqs;
  }

  /** The events with `seqs`, marked on their way. */
  private give(runId: string, events: readonly NodeEvent[], seqs: readonly number[]): NodeEvent[] {
    let run = this.#runs.get(runId);
    if (!run) this.#runs.set(runId, (run = { writing: new Set(), abandoned: new Set() }));
    for (const seq of seqs) run.writing.add(seq);
    return events.map((event, index) => ({ ...event, seq: seqs[index]! }));
  }
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}
