/**
 * The latest items of a run's seq order that one process has seen, so that a reader who is caught
 * up is answered from memory, without a read or a parse: the MongoDB store keeps the events of the
 * runs it drives, the embedded journal those it appended or read, the service each streamed run's
 * feed. Keeps the last `capacity` (trimming to three quarters of it at a time); a reader further
 * behind is told to read the store.
 */
export class SeqTail<T> {
  /** By seq, ascending. */
  readonly #items: T[] = [];
  /** Seqs up to this one are not all here. */
  #trimmedThrough: number;

  constructor(
    private readonly seqOf: (item: T) => number | undefined,
    /** Seqs up to this one are not this tail's (another process's, or before it started). */
    base: number,
    private readonly capacity = 1_024,
  ) {
    this.#trimmedThrough = base;
  }

  /** The highest seq held, or the base when none is. */
  get last(): number {
    const last = this.#items.at(-1);
    return last === undefined ? this.#trimmedThrough : this.seqOf(last)!;
  }

  /** Adds an item (items arrive about in seq order: usually at the end); one already held is ignored. */
  add(item: T): void {
    const seq = this.seqOf(item);
    if (seq === undefined || seq <= this.#trimmedThrough) return;
    let index = this.#items.length;
    while (index > 0 && this.seqOf(this.#items[index - 1]!)! > seq) index--;
    if (index > 0 && this.seqOf(this.#items[index - 1]!) === seq) return;
    this.#items.splice(index, 0, item);
    if (this.#items.length > this.capacity) {
      const dropped = this.#items.splice(0, this.#items.length - Math.floor(this.capacity * 0.75));
      this.#trimmedThrough = this.seqOf(dropped[dropped.length - 1]!)!;
    }
  }

  /** The items with a seq greater than `after` (at most `limit`), or null when some may not be here. */
  after(after: number, limit = Infinity): T[] | null {
    if (after < this.#trimmedThrough) return null;
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqOf(this.#items[middle]!)! <= after) low = middle + 1;
      else high = middle;
    }
    return this.#items.slice(low, limit === Infinity ? undefined : low + limit);
  }
}
