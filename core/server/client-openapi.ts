import { z } from 'zod';
import { apiErrorSchema } from '../api/api-error.js';
import { clientRoutes } from '../api/client-api.js';
import type { Route } from '../api/route.js';

const ERROR_ANSWERS: Record<string, string> = {
  '400': 'a parameter is wrong: `field` names it',
  '401': 'missing, unknown or revoked API key',
  '403': 'the key is scoped to other devices',
  '404': 'no such meter or route',
  '429': 'over the key\'s limit for this 5-second interval: retry after Retry-After seconds',
  '503': 'Redis or S3 is unavailable',
};

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'requests the key may make per 5-second interval', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'requests left in this interval', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'seconds until the next interval', schema: { type: 'integer' } },
};

/** The OpenAPI 3.0 document of the client API, built from the very schemas its routes validate and answer with. */
export function clientOpenApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, route] of Object.entries(clientRoutes)) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(name, route) };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Sensor Workbench client API', version: '1', description: 'Smart-meter energy and thermostat readings, behind API keys throttled per 5-second interval (the source paper\'s API management).' },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { ApiError: jsonSchema(apiErrorSchema, 'output') },
    },
    paths,
  };
}

function operation(name: string, route: Route): Record<string, unknown> {
  const errors = Object.fromEntries(
    Object.entries(ERROR_ANSWERS).map(([status, description]) => [status, { description, headers: RATE_LIMIT_HEADERS, content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } }]),
  );
  return {
    operationId: name,
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    responses: {
      '200': {
        description: 'JSON, or CSV with format=csv',
        headers: RATE_LIMIT_HEADERS,
        content: { 'application/json': { schema: jsonSchema(route.response, 'output') }, 'text/csv': { schema: { type: 'string' } } },
      },
      ...errors,
    },
  };
}

function parameters(part: z.ZodType, where: 'path' | 'query'): Array<Record<string, unknown>> {
  const schema = jsonSchema(part, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    schema: property,
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
