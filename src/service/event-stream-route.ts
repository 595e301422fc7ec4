import type { FastifyInstance } from 'fastify';
import { getRun } from '../api/index.js';
import type { Store } from '../store/index.js';
import { parseRequestPart } from './parse-request-part.js';
import { problemFor } from './problem.js';
import type { RunEventFeeds } from './run-event-feeds.js';
import { runParamsSchema, streamQuerySchema } from './service-schemas.js';
import { StreamSender, streamCloseCodes } from './stream-sender.js';

/** Options of {@link registerEventStream}. */
export interface EventStreamOptions {
  store: Store;
  feeds: RunEventFeeds;
  /** A client whose unsent messages pass this many bytes is dropped (default 4 MiB). */
  maxBufferedBytes: number;
}


/**
 * `GET /v1/runs/:run/events/stream?after=SEQ`: a WebSocket that sends the run's stored events after
 * `after`, then each new one as it is stored, as `{ kind: "event", seq, event }` messages, and
 * `{ kind: "run", status }` when the run's status changes. Every event goes once and in order, so a
 * client that reconnects with its last `seq` misses nothing and sees nothing twice. A client that
 * does not keep up is closed (see {@link StreamSender}): reconnecting with its last `seq` catches it
 * up from the store.
 */
export function registerEventStream(app: FastifyInstance, options: EventStreamOptions): void {
  app.get('/v1/runs/:run/events/stream', { websocket: true }, async (socket, request) => {
    let after: number;
    let params;
    try {
      params = parseRequestPart('params', runParamsSchema, request.params);
      after = parseRequestPart('query', streamQuerySchema, request.query).after;
      await getRun(options.store, params.run);
    } catch (error) {
      const problem = problemFor(error);
      socket.close(problem.status === 404 ? streamCloseCodes.notFound : streamCloseCodes.badRequest, clip(problem.detail));
      return;
    }
    const feed = options.feeds.acquire(params.run);
    const sender = new StreamSender(socket, options.maxBufferedBytes, after);
    let stopListening: (() => void) | null = null;
    socket.on('close', () => {
      stopListening?.();
      options.feeds.release(params.run, feed);
    });
    await feed.ready();
    if (socket.readyState !== socket.OPEN) return;
    // No await between reading the backlog and listening: nothing can slip in between.
    sender.events(feed.after(sender.sent));
    if (feed.status !== null) sender.status(feed.status);
    stopListening = feed.listen({ events: (events) => sender.events(events), status: (status) => sender.status(status) });
  });
}

/** A close reason fits in 123 bytes. */
function clip(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 100)}…`;
}
