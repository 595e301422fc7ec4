import type { Store } from '../store/index.js';
import { RunEventFeed } from './run-event-feed.js';

/** The feeds of the runs someone streams now: one per run, shared by its clients, dropped with the last. */
export class RunEventFeeds {
  readonly #feeds = new Map<string, { feed: RunEventFeed; users: number }>();

  constructor(
    private readonly options: {
      store: Store;
      pollMs: number;
      /** How long a poke waits for more before the feed reads the store (many pokes make one read). */
      pokeDelayMs: number;
      onError?: (error: unknown) => void;
      /** How many of the latest events each feed holds (see {@link RunEventFeed}). */
      keepEvents?: number;
    },
  ) {}

  /** The run's feed, made if nobody streams the run yet. Pair with {@link release}. */
  acquire(runId: string): RunEventFeed {
    let entry = this.#feeds.get(runId);
    if (!entry) {
      entry = { feed: new RunEventFeed({ ...this.options, runId }), users: 0 };
      this.#feeds.set(runId, entry);
    }
    entry.users++;
    return entry.feed;
  }

  /** Gives a feed back; the last user's release stops it. */
  release(runId: string, feed: RunEventFeed): void {
    const entry = this.#feeds.get(runId);
    if (!entry || entry.feed !== feed) return;
    if (--entry.users === 0) {
      entry.feed.stop();
      this.#feeds.delete(runId);
    }
  }

  /** Tells the run's feed (if anyone streams it) that the run moved: it reads the store soon. */
  poke(runId: string): void {
    this.#feeds.get(runId)?.feed.soon(this.options.pokeDelayMs);
  }
}
