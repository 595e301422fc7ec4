import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseRequestPart } from './parse-request-part.js';

/** One answer a route gives, for the OpenAPI document. */
export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
}

/** What a handler gets: the request's parts, parsed by the route's schemas. */
export interface RouteInput<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A route of the service: its schemas are the one description of it, used both to parse each
 * request (before the handler runs, so nothing is stored for a bad one) and for `/v1/openapi.json`.
 */
export interface ServiceRoute<
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST';
  /** Fastify's form: `/v1/runs/:run`. */
  url: string;
  summary: string;
  params?: Params;
  query?: Query;
  body?: Body;
  /** By status code; the first 2xx is the success answer. */
  responses: Record<number, RouteResponse>;
  /** No bearer token needed (only `GET /healthz`). */
  public?: boolean;
  /** The answer's body; set `reply.code()` for a status other than the first 2xx. */
  handler(input: RouteInput<z.infer<Params>, z.infer<Query>, z.infer<Body>>): Promise<unknown>;
}

/** Declares a route with its parts' types inferred from its schemas. */
export function defineRoute<
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
>(route: ServiceRoute<Params, Query, Body>): ServiceRoute {
  return route;
}

/** The query of an API route that takes no parameters: a parameter given is refused, not ignored. */
const noQuery = z.strictObject({});

/**
 * Registers routes on a Fastify instance, parsing each part with its schema. A `/v1` route without
 * query parameters refuses any (`?depth=1` on the tree would otherwise look like it did something);
 * the probes (`/healthz`, `/readyz`) take whatever a monitor adds.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly ServiceRoute[]): void {
  for (const route of routes) {
    const querySchema = route.query ?? (route.url.startsWith('/v1/') ? noQuery : null);
    const success = Number(Object.keys(route.responses).find((code) => code.startsWith('2')) ?? 200);
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true },
      handler: async (request, reply) => {
        const params = route.params ? parseRequestPart('params', route.params, request.params) : request.params;
        const query = querySchema ? parseRequestPart('query', querySchema, request.query) : request.query;
        const body = route.body ? parseRequestPart('body', route.body, request.body) : undefined;
        reply.code(success);
        return route.handler({ params, query, body, request, reply });
      },
    });
  }
}
