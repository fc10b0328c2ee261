import { z } from 'zod';

/** Streaming exports of what the pages show: CSV (RFC 4180, a header row), NDJSON, or one JSON array. */

export const EXPORT_FORMATS = ['csv', 'ndjson', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const format = z.enum(EXPORT_FORMATS, { message: 'must be csv, ndjson or json' }).default('csv');
const score = z.coerce.number<number>({ message: 'must be a number (ms since epoch)' });

/** GET /api/export/events?format=csv&from=<ms>&to=<ms>: one row per SensorData entry in the range, with its device hash's fields. */
export const EVENTS_EXPORT_PATH = '/api/export/events';
export const eventsExportQuery = z.object({ format, from: score, to: score });
export type EventsExportQuery = z.infer<typeof eventsExportQuery>;

/** The CSV columns of an events export: the entry, then the thermostat hash's fields; NDJSON and JSON rows carry every field of the hash. */
export const EVENT_EXPORT_COLUMNS = ['deviceId', 'score', 'temperature', 'humidity', 'climate', 'deviceIP', 'timestamp', 'requestId'] as const;

export type ExportRow = Record<string, string | number>;
