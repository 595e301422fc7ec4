import { delay, http, HttpResponse, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** One request a provider SDK sent, with its JSON body parsed. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** How a route answers one request. */
export type Reply = (request: Request) => Response | Promise<Response>;

/** One server-sent event. */
export interface ServerSentEvent {
  event?: string;
  /** A string is sent as is; anything else as JSON. */
  data: unknown;
}

/** Builders for the answers a route can give. */
export const reply = {
  /** A JSON answer, 200 unless told otherwise. */
  json(body: JsonBodyType, init: { status?: number; headers?: Record<string, string> } = {}): Reply {
    return () => HttpResponse.json(body, init);
  },
  /** An HTTP error with a JSON body (a generic one when none is given) and optional headers. */
  error(status: number, body?: JsonBodyType, headers: Record<string, string> = {}): Reply {
    return () => HttpResponse.json(body ?? { error: { message: `status ${status}` } }, { status, headers });
  },
  /** `then`, after `ms` milliseconds (or never). */
  delayed(ms: number | 'infinite', then: Reply): Reply {
    return async (request) => {
      await delay(ms);
      return then(request);
    };
  },
  /** An event stream (`text/event-stream`). */
  sse(events: readonly ServerSentEvent[]): Reply {
    return () => {
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const { event, data } of events) {
            const payload = typeof data === 'string' ? data : JSON.stringify(data);
            controller.enqueue(encoder.encode(`${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`));
          }
          controller.close();
        },
      });
      return new HttpResponse(stream, { headers: { 'content-type': 'text/event-stream' } });
    };
  },
  /** A failure to connect (the socket never answers with HTTP). */
  networkError(): Reply {
    return () => HttpResponse.error();
  },
};

/** The mock HTTP side of provider tests. */
export interface LlmHttp {
  /** Answers requests to `url` (any method) with `replies` in order; the last one repeats. */
  route(url: string, ...replies: Reply[]): void;
  /** Every request routed since the test started, oldest first. */
  readonly requests: RecordedRequest[];
}

/**
 * Intercepts HTTP with msw for the current test file: unrouted requests fail the test, routes and
 * recorded requests are cleared after each test. Call once at the top of a test file.
 */
export function useLlmHttp(): LlmHttp {
  const server = setupServer();
  const requests: RecordedRequest[] = [];
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
  });
  afterAll(() => server.close());
  return {
    requests,
    route(url, ...replies) {
      if (replies.length === 0) throw new Error(`route ${url} needs at least one reply`);
      let answered = 0;
      server.use(
        http.all(url, async ({ request }) => {
          requests.push(await record(request));
          const next = replies[Math.min(answered++, replies.length - 1)]!;
          return next(request);
        }),
      );
    },
  };
}

async function record(request: Request): Promise<RecordedRequest> {
  const text = await request.clone().text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  return { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body };
}
