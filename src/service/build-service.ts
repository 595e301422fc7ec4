import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import { registerDashboard } from './dashboard/dashboard-routes.js';
import { registerEventStream } from './event-stream-route.js';
import { parseJsonBody } from './json-body.js';
import { openApiDocument } from './openapi-document.js';
import { problemFor } from './problem.js';
import { RequestError } from './request-error.js';
import type { RunEventFeeds } from './run-event-feeds.js';
import { runRoutes } from './run-routes.js';
import { streamCloseCodes } from './stream-sender.js';
import { responseSchemas } from './service-schemas.js';
import type { ServiceRuns } from './service-runs.js';
import { defineRoute, registerRoutes, type ServiceRoute } from './service-route.js';
import { tokenMatches } from './service-token.js';
import { withinTimeout } from '../engine/index.js';

/** Options of {@link buildService}. */
export interface BuildServiceOptions {
  store: Store;
  runs: ServiceRuns;
  feeds: RunEventFeeds;
  token: string;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** An origin allowed to call from a browser (`--cors`); none by default. */
  corsOrigin?: string | null;
  /** A stream client whose unsent messages pass this many bytes is dropped (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Arbor's version, for the OpenAPI document. */
  version: string;
  /** Lines about failures the service answered with a 500. */
  log: (line: string) => void;
  /** How long `GET /readyz` waits for the store before it answers 503 (ms, default 2,000). */
  readyTimeoutMs?: number;
}

/**
 * The service as a Fastify instance (not listening yet): bearer-token auth on every route but
 * `GET /healthz` and the dashboard's files, problem+json errors, the `/v1` routes, the event stream,
 * `/v1/openapi.json` and the web dashboard at `/`.
 */
export async function buildService(options: BuildServiceOptions): Promise<FastifyInstance> {
  const { store, runs, feeds, token } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit, return503OnClosing: true });
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    // A stopping server closes its streams as "going away" (1001), not with no code: clients reconnect.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(streamCloseCodes.goingAway, 'the server is stopping');
      this.websocketServer.close(() => done());
    },
  });
  // Bodies are JSON only: anything else is a 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain');
  // JSON as Fastify parses it, with a 400 that says where it broke.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    if (options.corsOrigin) {
      void reply.header('access-control-allow-origin', options.corsOrigin);
      void reply.header('vary', 'origin');
      if (request.method === 'OPTIONS') {
        void reply
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .code(204);
        return reply.send();
      }
    }
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const header = request.headers.authorization;
    // The scheme's name is case-insensitive (RFC 9110 §11.1).
    const bearer = header === undefined ? null : /^bearer\s+(.*)$/is.exec(header);
    const presented = bearer
      ? bearer[1]!.trim()
      : // Browsers cannot set headers on a WebSocket: the stream also takes ?token=.
        request.ws
        ? (request.query as { token?: unknown }).token
        : undefined;
    if (typeof presented !== 'string' || !tokenMatches(presented, token)) {
      void reply.header('www-authenticate', 'Bearer');
      const why =
        presented !== undefined
          ? 'the bearer token is wrong'
          : header !== undefined
            ? `the Authorization header is not a bearer token (it starts "${header.split(/\s/)[0]!.slice(0, 20)}")`
            : 'no bearer token';
      throw new RequestError(why, {
        status: 401,
        title: 'unauthorized',
        hint: 'send Authorization: Bearer TOKEN (ARBOR_TOKEN, or the token arbor serve printed or stored)',
      });
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    const problem = problemFor(error, { bodyLimit });
    if (problem.status >= 500) options.log(`answered 500: ${(error as Error).stack ?? String(error)}`);
    void reply.code(problem.status).type('application/problem+json');
    return problem;
  });
  app.setNotFoundHandler((request) => {
    throw new RequestError(`no route ${request.method} ${request.url.split('?')[0]}`, {
      status: 404,
      title: 'not-found',
      hint: 'see the routes at GET /v1/openapi.json',
    });
  });

  const routes: ServiceRoute[] = [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      summary: 'the process is up (no token needed)',
      public: true,
      responses: { 200: { description: 'up', schema: responseSchemas.health } },
      handler: () => Promise.resolve({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      summary: 'the store answers',
      responses: {
        200: { description: 'ready', schema: responseSchemas.ready },
        503: { description: 'the store does not answer', schema: responseSchemas.problem },
      },
      handler: async () => {
        const failure = await storeFailure(store, options.readyTimeoutMs ?? 2_000);
        if (failure !== null)
          throw new RequestError(`the store does not answer: ${failure}`, {
            status: 503,
            title: 'store-unavailable',
            hint: 'check that the store (MongoDB) is up and reachable from the server',
          });
        return { status: 'ready' as const, store: `${store.kind} ${store.location}` };
      },
    }),
    ...runRoutes(store, runs),
  ];
  registerRoutes(app, routes);
  const document = openApiDocument(routes, { version: options.version, extraPaths: streamPath });
  app.get('/v1/openapi.json', () => document);
  registerEventStream(app, { store, feeds, maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024 });
  await registerDashboard(app);
  return app;
}

/**
 * Why the store does not answer a small read (one run) within `timeoutMs`, or null when it does: a
 * store that hangs (a MongoDB that stopped answering) makes a readiness probe fail, not wait.
 */
async function storeFailure(store: Store, timeoutMs: number): Promise<string | null> {
  try {
    const read = await withinTimeout(new AbortController().signal, timeoutMs, () => store.listRuns({ limit: 1 }));
    return read === null ? `no answer within ${timeoutMs} ms` : null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The WebSocket stream in the OpenAPI document (OpenAPI has no WebSocket operations: described as the upgrade GET). */
const streamPath = {
  '/v1/runs/{run}/events/stream': {
    get: {
      summary:
        'WebSocket: the stored events after `after`, then live; messages {kind:"event",seq,event} and {kind:"run",status}. Close 4008: too slow, reconnect with after=last seq.',
      parameters: [
        { name: 'run', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
        { name: 'token', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: { 101: { description: 'switching to the WebSocket protocol' } },
    },
  },
};
