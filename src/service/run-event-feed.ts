import { isOpenRun, type Run, type RunStatus } from '../domain/index.js';
import { SeqTail, type Store } from '../store/index.js';
import { settledEvents, type SequencedEvent } from './run-event-log.js';

/** How many events one read of a feed takes at most (it reads again at once when it got as many). */
export const feedReadLimit = 1_000;

/** How many of the latest events a feed holds for clients that join (older ones are read from the store). */
const feedKeepEvents = 2_048;

/**
 * How often a feed reads the run itself (ms) for its status, at most: a busy run pokes its feed
 * every 100 ms, and its status changes a few times in its life.
 */
const runReadEveryMs = 500;

/** What a feed tells its listeners: new events in order, and the run's status when it changes. */
export interface FeedListener {
  events(events: readonly SequencedEvent[]): void;
  status(status: RunStatus): void;
}

/** How a feed finds out that something may have changed. */
export interface RunEventFeedOptions {
  store: Store;
  runId: string;
  /** Reads the store at least this often while anyone listens (ms): runs driven elsewhere. */
  pollMs: number;
  /** Logs a feed's read failures (the feed keeps trying). */
  onError?: (error: unknown) => void;
  /** How many of the latest events the feed holds (default 2,048). */
  keepEvents?: number;
}

/**
 * One run's stored events for everyone who streams them: it reads the store when told that the run
 * moved (this process drives it) or on a timer (another process does), after the last seq it holds
 * (only what is new is read), keeps the latest settled events (see {@link settledEvents}) and hands
 * each new one to every listener once. What it holds is bounded, however long the run: a client that
 * joins further behind reads the older events from the store first.
 */
export class RunEventFeed {
  readonly #options: RunEventFeedOptions;
  /** The latest settled events read so far, in seq order. */
  readonly #events: SeqTail<SequencedEvent>;
  #status: RunStatus | null = null;
  readonly #listeners = new Set<FeedListener>();
  #reading: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #first: Promise<void> | null = null;
  #soon: NodeJS.Timeout | null = null;
  /** The run as last read, and when (ms). */
  #run: Run | null = null;
  #runReadAt = -Infinity;

  constructor(options: RunEventFeedOptions) {
    this.#options = options;
    this.#events = new SeqTail((entry) => entry.seq, 0, options.keepEvents ?? feedKeepEvents);
  }

  /**
   * The events read so far whose seq is greater than `after`; null when the feed no longer holds
   * all of them (read those from the store: {@link settledEvents}).
   */
  after(after: number): SequencedEvent[] | null {
    return this.#events.after(after);
  }

  /** The seq of the last event read (0: none yet). */
  get last(): number {
    return this.#events.last;
  }

  /** The run's status as last read. */
  get status(): RunStatus | null {
    return this.#status;
  }

  /** Resolves once the feed has read the store at least once. */
  ready(): Promise<void> {
    this.#first ??= this.refresh();
    return this.#first;
  }

  /** Adds a listener (and starts polling); returns how to remove it. */
  listen(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.refresh(), this.#options.pollMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Number of listeners now. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** Reads the store again (coalesced: one read at a time, one more if asked meanwhile). */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = this.read()
      .catch((error: unknown) => this.#options.onError?.(error))
      .finally(() => {
        this.#reading = null;
        if (this.#again) {
          this.#again = false;
          void this.refresh();
        }
      });
    return this.#reading;
  }

  /** Reads the store again within `delayMs`: many pokes in that time make one read. */
  soon(delayMs: number): void {
    if (this.#soon !== null) return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      void this.refresh();
    }, delayMs);
  }

  /** Stops polling; listeners get nothing more. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#soon !== null) clearTimeout(this.#soon);
    this.#timer = null;
    this.#soon = null;
  }

  private async read(): Promise<void> {
    const { store, runId } = this.#options;
    // The run first: events stored before its status changed are then in the read that follows.
    if (this.#run === null || Date.now() - this.#runReadAt >= runReadEveryMs) {
      this.#runReadAt = Date.now();
      this.#run = await store.getRun(runId);
    }
    const run = this.#run;
    // Before telling that the run ended, look on the nodes too: the last events of a writer whose
    // inserts had not landed (or that died) are there.
    const changed = run !== null && run.status !== this.#status;
    const { events, unsettled } = await settledEvents(store, runId, {
      after: this.last,
      limit: feedReadLimit,
      onNodes: changed && !isOpenRun(run),
    });
    if (events.length > 0) {
      for (const event of events) this.#events.add(event);
      for (const listener of this.#listeners) listener.events(events);
    }
    if (events.length === feedReadLimit) this.#again = true;
    // A status change is told once every event before it is out: a client that stops at "completed"
    // has them all.
    if (run && changed && !unsettled && events.length < feedReadLimit) {
      this.#status = run.status;
      for (const listener of this.#listeners) listener.status(run.status);
    }
  }
}
