import type { RunStatus } from '../domain/index.js';
import type { SequencedEvent } from './run-event-log.js';

/** What a {@link StreamSender} needs of a WebSocket (the `ws` socket has it). */
export interface StreamSocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued for the client and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** Close codes of the event stream (4000–4999 are the application's). */
export const streamCloseCodes = { badRequest: 4000, notFound: 4004, tooSlow: 4008 } as const;

/**
 * Sends one client its events in `seq` order, each once, from after `after` on. A client that lets
 * more than `maxBufferedBytes` pile up unread is closed with {@link streamCloseCodes.tooSlow} and
 * the seq to reconnect after: the server never holds an unbounded backlog for it.
 */
export class StreamSender {
  #sent: number;

  constructor(
    private readonly socket: StreamSocket,
    private readonly maxBufferedBytes: number,
    after: number,
  ) {
    this.#sent = after;
  }

  /** The last seq sent. */
  get sent(): number {
    return this.#sent;
  }

  /**
   * Sends the events the client does not have yet, in order; stops at the first it cannot send.
   * `events` are a run's feed in seq order (which passes seqs never stored: see `settledEvents`).
   */
  events(events: readonly SequencedEvent[]): void {
    for (const entry of events) {
      if (entry.seq <= this.#sent) continue;
      if (!this.send({ kind: 'event', seq: entry.seq, event: entry.event })) return;
      this.#sent = entry.seq;
    }
  }

  /** Tells the client the run's status. */
  status(status: RunStatus): void {
    this.send({ kind: 'run', status });
  }

  private send(message: unknown): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.close(streamCloseCodes.tooSlow, `too slow: reconnect with after=${this.#sent}`);
      return false;
    }
    this.socket.send(JSON.stringify(message));
    return true;
  }
}
