import type { EventDocument } from './event-document.js';

/**
 * The latest events with seqs that this process stored for a run it drives (holds the lease of):
 * while it does, every seq after `base` (the run's counter when it took the run) is one of its own,
 * so a reader that is caught up is answered from here, without a round trip or a parse. Keeps the
 * last `capacity` (older ones are read from the store).
 */
export class DrivenEventTail {
  /** By seq, ascending. */
  readonly #events: EventDocument[] = [];
  /** Seqs up to this one are not all here. */
  #trimmedThrough: number;

  constructor(
    base: number,
    private readonly capacity = 1_024,
  ) {
    this.#trimmedThrough = base;
  }

  /** Adds an event whose node write landed (writes land about in seq order: usually at the end). */
  add(event: EventDocument): void {
    const seq = event.seq;
    if (seq === undefined || seq <= this.#trimmedThrough) return;
    let index = this.#events.length;
    while (index > 0 && this.#events[index - 1]!.seq! > seq) index--;
    if (this.#events[index - 1]?.seq === seq) return;
    this.#events.splice(index, 0, event);
    if (this.#events.length > this.capacity) {
      const dropped = this.#events.splice(0, this.#events.length - this.capacity * 0.75);
      this.#trimmedThrough = dropped[dropped.length - 1]!.seq!;
    }
  }

  /** The events with a seq greater than `after` (at most `limit`), or null when some may not be here. */
  after(after: number, limit: number): EventDocument[] | null {
    if (after < this.#trimmedThrough) return null;
    let low = 0;
    let high = this.#events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#events[middle]!.seq! <= after) low = middle + 1;
      else high = middle;
    }
    return this.#events.slice(low, limit === Infinity ? undefined : low + limit);
  }
}
