/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions<D, R> {
  /**
   * Writes one batch and answers one result per document, in order (or nothing, when the writes
   * have no results); a rejection fails every caller whose documents were in it.
   */
  write: (documents: D[]) => Promise<readonly R[] | void>;
  /** Most documents per write (default 500); a caller's documents are never split. */
  maxDocuments?: number;
  /**
   * How long a write waits for more documents before it goes out, and after the one before it
   * (default 0: the end of the event-loop turn, then back to back). For writes nobody waits on, a
   * linger saves round trips.
   */
  lingerMs?: number;
  /**
   * How many documents may be queued or on their way before {@link GroupCommit.room} makes callers
   * wait (default: no limit). For writes nobody awaits, so that a store slower than its writers holds
   * them back instead of the queue growing without bound.
   */
  maxBacklog?: number;
}

interface Queued<D, R> {
  documents: readonly D[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: documents handed in while a write is in flight go out together in the next one, so
 * many concurrent writes cost a few round trips instead of one each. A lone write waits only for
 * the end of the current event-loop turn. Each caller's promise settles when the write that carried
 * its documents did, with their results, so a caller that awaits it knows they are stored.
 */
export class GroupCommit<D, R = void> {
  readonly #write: (documents: D[]) => Promise<readonly R[] | void>;
  readonly #maxDocuments: number;
  readonly #lingerMs: number;
  readonly #maxBacklog: number;
  #queued: Queued<D, R>[] = [];
  #draining: Promise<void> | null = null;
  /** Documents queued or being written. */
  #backlog = 0;
  #waitingForRoom: Array<() => void> = [];

  constructor(options: GroupCommitOptions<D, R>) {
    this.#write = options.write;
    this.#maxDocuments = options.maxDocuments ?? 500;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#maxBacklog = options.maxBacklog ?? Infinity;
  }

  /**
   * Null while the backlog is under `maxBacklog`; otherwise a promise that resolves once it has
   * fallen under it (null, not a resolved promise, so that the common case costs no await).
   */
  room(): Promise<void> | null {
    if (this.#backlog < this.#maxBacklog) return null;
    return new Promise<void>((resolve) => this.#waitingForRoom.push(resolve));
  }

  /** Queues documents for the next write; resolves with their results once they are written. */
  write(documents: readonly D[]): Promise<R[]> {
    if (documents.length === 0) return Promise.resolve([]);
    this.#backlog += documents.length;
    const written = new Promise<R[]>((resolve, reject) => this.#queued.push({ documents, resolve, reject }));
    // setImmediate, not a microtask: documents from the answers handled in the same I/O phase join.
    this.#draining ??= new Promise<void>((resolve) =>
      this.#lingerMs > 0 ? setTimeout(resolve, this.#lingerMs) : setImmediate(resolve),
    ).then(() => this.#drain());
    return written;
  }

  /** Resolves once everything queued so far is written (or failed). */
  async settled(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queued.length > 0) {
      const batch = this.#takeBatch();
      const documents = batch.flatMap((queued) => queued.documents);
      try {
        const results = await this.#write(documents);
        let offset = 0;
        for (const queued of batch) {
          queued.resolve(results ? results.slice(offset, offset + queued.documents.length) : []);
          offset += queued.documents.length;
        }
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
      this.#backlog -= documents.length;
      if (this.#backlog < this.#maxBacklog) for (const resolve of this.#waitingForRoom.splice(0)) resolve();
      // With a linger, the next batch waits too: such writes go out at most once per linger.
      if (this.#lingerMs > 0 && this.#queued.length > 0)
        await new Promise((resolve) => setTimeout(resolve, this.#lingerMs));
    }
    this.#draining = null;
  }

  #takeBatch(): Queued<D, R>[] {
    let count = 0;
    let taken = 0;
    for (const queued of this.#queued) {
      if (taken > 0 && count + queued.documents.length > this.#maxDocuments) break;
      count += queued.documents.length;
      taken++;
    }
    return this.#queued.splice(0, taken);
  }
}
