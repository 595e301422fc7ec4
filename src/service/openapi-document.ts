import { z } from 'zod';
import type { ServiceRoute } from './service-route.js';

/** Everything the OpenAPI document says besides the routes. */
export interface OpenApiInfo {
  version: string;
  /** Routes that are not {@link ServiceRoute}s (the WebSocket stream), described by hand. */
  extraPaths?: Record<string, unknown>;
}

/**
 * The OpenAPI 3.1 document of the service, generated from the routes' zod schemas (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is): it cannot drift from what the service accepts.
 */
export function openApiDocument(routes: readonly ServiceRoute[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    // Fastify's `:name` and a trailing `*` (the rest of the path) are OpenAPI's `{name}` and `{path}`.
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.public ? { security: [] } : {}),
      parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([code, response]) => [
          code,
          {
            description: response.description,
            ...(response.schema
              ? {
                  content: {
                    [code.startsWith('2') ? 'application/json' : 'application/problem+json']: {
                      schema: jsonSchema(response.schema, 'output'),
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Arbor', version: info.version, description: 'Drive Arbor runs over HTTP: runs, trees, approvals, events.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: { ...paths, ...info.extraPaths },
  };
}

function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): unknown[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name: name === '*' ? 'path' : name,
    in: where,
    required: where === 'path' || !field.safeParse(undefined).success,
    schema: jsonSchema(field, 'input'),
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', cycles: 'ref' });
  return rest;
}
