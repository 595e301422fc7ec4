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
  /**
   * Holds back what is sent until {@link uncork}, so that many messages go out in one write to the
   * network instead of one each (see {@link corkable}); optional.
   */
  cork?(): void;
  uncork?(): void;
}

/** The network socket under a `ws` WebSocket: ws keeps it as `_socket` (not in its typings). */
interface WithNetSocket {
  _socket?: { cork?: () => void; uncork?: () => void } | null;
}

/**
 * A `ws` WebSocket as a {@link StreamSocket} that can be corked: ws frames each message with a
 * corked write of its own to the network socket, and corks nest, so corking that socket around a
 * batch of sends makes one `writev` of the whole batch. Without a network socket (a socket that is
 * not ws's), messages go out one by one as before.
 */
export function corkable<S extends Omit<StreamSocket, 'cork' | 'uncork'>>(socket: S): StreamSocket {
  const net = () => (socket as WithNetSocket)._socket ?? null;
  return {
    get readyState() {
      return socket.readyState;
    },
    get OPEN() {
      return socket.OPEN;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    cork: () => net()?.cork?.(),
    uncork: () => net()?.uncork?.(),
  };
}

/** Close codes of the event stream (4000–4999 are the application's). */
export const streamCloseCodes = { goingAway: 1001, badRequest: 4000, notFound: 4004, tooSlow: 4008 } as const;

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
    // A feed hands over what one read found (tens of events for a busy run): one write for them all.
    this.socket.cork?.();
    try {
      for (const entry of events) {
        if (entry.seq <= this.#sent) continue;
        if (!this.send({ kind: 'event', seq: entry.seq, event: entry.event })) return;
        this.#sent = entry.seq;
      }
    } finally {
      this.socket.uncork?.();
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
