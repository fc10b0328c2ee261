import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EXPORT_CONTENT_TYPES, EXPORT_TOTAL_HEADER, type ExportDownload } from '../api/export.js';
import type { z } from 'zod';
import type { Route, RouteInput, RouteResponse } from '../api/route.js';
import { routes, type Routes } from '../api/routes.js';
import { InvalidInput } from '../domain/errors.js';

export type RouteHandler<T extends Route> = (input: RouteInput<T>) => Promise<RouteResponse<T>> | RouteResponse<T>;

export type HandlersOf<Table extends Record<string, Route>> = { [Name in keyof Table]: RouteHandler<Table[Name]> };

/** One handler for every route of the table; a route without one does not compile. */
export type RouteHandlers = HandlersOf<Routes>;

/** Registers every route of the table, each validating its params, query and body before its handler runs. */
export function registerRoutes(app: FastifyInstance, handlers: RouteHandlers): void {
  registerTable(app, routes, handlers);
}

function registerTable<Table extends Record<string, Route>>(app: FastifyInstance, table: Table, handlers: HandlersOf<Table>): void {
  for (const name in table) register(app, table[name], handlers[name]);
}

function register<T extends Route>(app: FastifyInstance, route: T, handler: RouteHandler<T>): void {
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = await handler(parseInput(route, request));
      if (route.download) return sendDownload(reply, answer as ExportDownload);
      return route.status === 204 ? reply.code(204).send() : reply.code(route.status).send(answer);
    },
  });
}

/**
 * A file as it is read: Fastify pipes the stream into the response, so it is read only as fast as
 * the client takes it, and destroyed (which stops the reads behind it) when the client goes away.
 */
export function sendDownload(reply: FastifyReply, { filename, format, total, body }: ExportDownload): FastifyReply {
  if (total !== null) reply.header(EXPORT_TOTAL_HEADER, total);
  return reply
    .type(EXPORT_CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`)
    .header('access-control-expose-headers', EXPORT_TOTAL_HEADER)
    .send(body instanceof Readable ? body : Readable.from(body));
}

export function parseInput<T extends Route>(route: T, request: FastifyRequest): RouteInput<T> {
  return {
    params: parsePart<T['params']>(route.params, request.params, 'params'),
    query: parsePart<T['query']>(route.query, request.query, 'query'),
    body: parsePart<T['body']>(route.body, request.body, 'body'),
  };
}

/** The first issue becomes a one-line InvalidInput naming the field, e.g. "limit: Too small: expected number to be >=1". */
export function parsePart<S extends z.ZodType>(schema: S, input: unknown, part: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || part;
  throw new InvalidInput(`${field}: ${issue.message}`, field);
}
