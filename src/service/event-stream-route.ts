import type { FastifyInstance } from 'fastify';
import { getRun } from '../api/index.js';
import type { Store } from '../store/index.js';
import { parseRequestPart } from './parse-request-part.js';
import { problemFor } from './problem.js';
import { feedReadLimit, type RunEventFeed } from './run-event-feed.js';
import type { RunEventFeeds } from './run-event-feeds.js';
import { refuseUnknownAfter, settledEvents } from './run-event-log.js';
import { runParamsSchema, streamQuerySchema } from './service-schemas.js';
import { corkable, StreamSender, streamCloseCodes } from './stream-sender.js';

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
 * up from the store. A client further behind than the run's feed holds gets the older events from the
 * store first, a page at a time.
 */
export function registerEventStream(app: FastifyInstance, options: EventStreamOptions): void {
  app.get('/v1/runs/:run/events/stream', { websocket: true }, async (socket, request) => {
    let after: number;
    let params;
    try {
      params = parseRequestPart('params', runParamsSchema, request.params);
      after = parseRequestPart('query', streamQuerySchema, request.query).after;
      await getRun(options.store, params.run);
      await refuseUnknownAfter(options.store, params.run, after);
    } catch (error) {
      const problem = problemFor(error);
      socket.close(
        problem.status === 404 ? streamCloseCodes.notFound : streamCloseCodes.badRequest,
        clip(problem.detail),
      );
      return;
    }
    const feed = options.feeds.acquire(params.run);
    const sender = new StreamSender(corkable(socket), options.maxBufferedBytes, after);
    let stopListening: (() => void) | null = null;
    socket.on('close', () => {
      stopListening?.();
      options.feeds.release(params.run, feed);
    });
    await feed.ready();
    const open = () => socket.readyState === socket.OPEN;
    for (;;) {
      if (!(await sendOlderEvents(options.store, params.run, feed, sender, open))) return;
      // No await between reading what the feed holds and listening: nothing can slip in between.
      const held = feed.after(sender.sent);
      if (held === null) continue; // the feed moved on while the last page was sent
      sender.events(held);
      if (feed.status !== null) sender.status(feed.status);
      stopListening = feed.listen({
        events: (events) => sender.events(events),
        status: (status) => sender.status(status),
      });
      return;
    }
  });
}

/**
 * Sends the client, a page at a time from the store, the events older than the feed holds; true once
 * the feed holds the rest, false when the client went away.
 */
async function sendOlderEvents(
  store: Store,
  runId: string,
  feed: RunEventFeed,
  sender: StreamSender,
  open: () => boolean,
): Promise<boolean> {
  while (open()) {
    if (feed.after(sender.sent) !== null) return true;
    const page = await settledEvents(store, runId, { after: sender.sent, limit: feedReadLimit });
    // Nothing settled after the client's seq yet (the feed read it later): look again shortly.
    if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    sender.events(page.events);
  }
  return false;
}

/** A close reason fits in 123 bytes. */
function clip(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 100)}…`;
}
