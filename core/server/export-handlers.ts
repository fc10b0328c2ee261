import type { FastifyInstance } from 'fastify';
import { EVENT_EXPORT_COLUMNS, EVENTS_EXPORT_PATH, eventsExportQuery } from '../api/export.js';
import type { InspectBackend } from './api-backend.js';
import { exportStream, EXPORT_CONTENT_TYPES } from './export-stream.js';
import { parsePart } from './route-registration.js';

/** The streaming export routes: their answers are files, not the JSON the route table's client parses. */
export function registerExportRoutes(app: FastifyInstance, inspect: InspectBackend): void {
  app.get(EVENTS_EXPORT_PATH, async (request, reply) => {
    const { format, from, to } = parsePart(eventsExportQuery, request.query, 'query');
    const stream = exportStream(inspect.exportEvents(from, to), format, EVENT_EXPORT_COLUMNS);
    return reply
      .type(EXPORT_CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="events-${from}-${to}.${format}"`)
      .send(stream);
  });
}
