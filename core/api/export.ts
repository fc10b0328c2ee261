import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import { KEY_TYPES } from '../domain/key-type.js';
import { wholeNumber } from './query-params.js';

/**
 * Streaming exports of what the pages show: CSV (RFC 4180, CRLF, a header row), NDJSON, or one
 * JSON array. Each view is `GET /api/export/<view>?format=…&…` behind the UI's token; the routes
 * are in the route table (core/api/routes.ts), the answer is a file, not JSON for the client to parse.
 */

export const EXPORT_FORMATS = ['csv', 'ndjson', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_VIEWS = ['events', 'devices', 'meter-energy', 'meter-readings', 'rejected', 'broker-topics', 'keys', 'refusals'] as const;
export type ExportView = (typeof EXPORT_VIEWS)[number];

const format = z.enum(EXPORT_FORMATS, { message: 'must be csv, ndjson or json' }).default('csv');
const score = z.coerce.number<number>({ message: 'must be a number (ms since epoch)' });
const unixSeconds = wholeNumber({ message: 'must be a whole number of Unix seconds' }).min(0).max(4_102_444_800);
const pattern = z.string().min(1).max(1024).optional();

interface Range {
  from: number;
  to: number;
}
const fromNotAfterTo = z.refine<Range>((range) => range.from <= range.to, { path: ['from'], message: 'from is after to' });

/** ?from=<ms>&to=<ms>: one row per SensorData entry with from ≤ score ≤ to, with its device hash's fields. */
export const eventsExportQuery = z.object({ format, from: score, to: score }).check(fromNotAfterTo);
/** Every thermostat device hash (a SensorData member with its last score); `match` walks ZSCAN … MATCH instead of the whole set. */
export const devicesExportQuery = z.object({ format, match: pattern });
/** from/to in Unix seconds: one row per interval of the merged Redis + S3 query, with the source of its buckets. */
export const meterEnergyExportQuery = z.object({ format, deviceId: deviceIdSchema, from: unixSeconds, to: unixSeconds, interval: wholeNumber().min(1).default(3600) }).check(fromNotAfterTo);
/** from/to in Unix seconds: every reading of the meter, oldest first, merged without duplicates, with its bucket's source. */
export const meterReadingsExportQuery = z.object({ format, deviceId: deviceIdSchema, from: unixSeconds, to: unixSeconds }).check(fromNotAfterTo);
export const rejectedExportQuery = z.object({ format });
export const brokerTopicsExportQuery = z.object({ format, prefix: z.string().max(1024).default('') });
/** The Keys page's SCAN: MATCH pattern and TYPE. */
export const keysExportQuery = z.object({ format, match: pattern, type: z.enum(KEY_TYPES).optional() });
export const refusalsExportQuery = z.object({ format });

export type EventsExportQuery = z.infer<typeof eventsExportQuery>;
export type DevicesExportQuery = z.infer<typeof devicesExportQuery>;
export type MeterEnergyExportQuery = z.infer<typeof meterEnergyExportQuery>;
export type MeterReadingsExportQuery = z.infer<typeof meterReadingsExportQuery>;
export type BrokerTopicsExportQuery = z.infer<typeof brokerTopicsExportQuery>;
export type KeysExportQuery = z.infer<typeof keysExportQuery>;

/** The query of each view, as the route table registers it. */
export const EXPORT_QUERIES = {
  events: eventsExportQuery,
  devices: devicesExportQuery,
  'meter-energy': meterEnergyExportQuery,
  'meter-readings': meterReadingsExportQuery,
  rejected: rejectedExportQuery,
  'broker-topics': brokerTopicsExportQuery,
  keys: keysExportQuery,
  refusals: refusalsExportQuery,
} as const satisfies Record<ExportView, z.ZodType>;

export type ExportQueryOf<V extends ExportView> = z.infer<(typeof EXPORT_QUERIES)[V]>;
/** What a client passes for a view: the query's input, format included. */
export type ExportRequestOf<V extends ExportView> = z.input<(typeof EXPORT_QUERIES)[V]>;

export const exportPath = (view: ExportView) => `/api/export/${view}`;
/** Kept for the first view's callers. */
export const EVENTS_EXPORT_PATH = exportPath('events');

/**
 * The CSV columns of each view; NDJSON and JSON rows carry the same fields, plus (events, devices)
 * any other field of the hash. A value that is an object or array goes into its CSV cell as JSON.
 */
export const EXPORT_COLUMNS: Record<ExportView, readonly string[]> = {
  events: ['deviceId', 'score', 'temperature', 'humidity', 'climate', 'deviceIP', 'timestamp', 'requestId'],
  devices: ['deviceId', 'score', 'temperature', 'humidity', 'climate', 'deviceIP', 'timestamp', 'requestId'],
  'meter-energy': ['deviceId', 't', 'eReal', 'eRealPositive', 'eRealNegative', 'readings', 'source', 'error'],
  'meter-readings': ['deviceId', 'timestamp', 'bucketStart', 'source', 'reading', 'error'],
  rejected: ['at', 'topic', 'clientId', 'reason', 'detail', 'payloadBytes', 'payload'],
  'broker-topics': ['topic', 'messages', 'ratePerSecond', 'lastAt', 'lastPayloadEncoding', 'lastPayloadSize', 'lastPayloadTruncated', 'lastPayload'],
  keys: ['key', 'type'],
  refusals: ['at', 'action', 'clientId', 'address', 'deviceId', 'topic', 'code', 'reason'],
};
export const EVENT_EXPORT_COLUMNS = EXPORT_COLUMNS.events;

export type ExportCell = string | number | boolean | null;
export type ExportRow = Record<string, ExportCell>;

/** Header of an export's answer: the rows it will hold, when the server knows before it starts. */
export const EXPORT_TOTAL_HEADER = 'x-export-total';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * What an export route's handler answers: the server sends `body` as the file. Typed without
 * Node's streams so the ground floor stays importable by the renderer.
 */
export interface ExportDownload {
  filename: string;
  format: ExportFormat;
  /** Rows the file will hold, when known before the first row (ZCOUNT, LLEN, the broker's map). */
  total: number | null;
  body: AsyncIterable<Uint8Array>;
}
export const exportDownloadSchema = z.custom<ExportDownload>();

/**
 * The file's name: the view, the range it covers (and the meter), the format's extension. The
 * server sends it and the UI suggests it before the answer arrives (a save dialog must open on the click).
 */
export function exportFilename(view: ExportView, query: { format: ExportFormat; from?: unknown; to?: unknown; deviceId?: unknown }): string {
  const range = `${String(query.from)}-${String(query.to)}`;
  const suffix = view === 'events' ? `-${range}` : view === 'meter-energy' || view === 'meter-readings' ? `-${String(query.deviceId)}-${range}` : '';
  return `${view}${suffix}.${query.format}`;
}

/** An export as a client receives it: the server's file name, the rows it announced, the bytes as they arrive. */
export interface ExportResponse {
  filename: string;
  total: number | null;
  body: ReadableStream<Uint8Array>;
}

/** The file name of a `content-disposition: attachment; filename="…"` header, if it has one. */
export function attachmentFilename(disposition: string | null): string | null {
  return /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? null;
}

/**
 * Counts the rows of an export as its bytes arrive, for a progress bar: CSV records end with CRLF
 * outside quotes (csv-stringify quotes any field holding CR or LF), NDJSON lines and JSON array
 * elements with LF (JSON.stringify escapes LF in strings; the array is `[`, rows joined by `,LF`,
 * then `]`, each on its own line). The CSV header is not counted.
 */
export class ExportRowCounter {
  rows = 0;
  private quoted = false;
  private headerSeen: boolean;

  constructor(private readonly format: ExportFormat) {
    // The CSV header line and the JSON array's `[` line hold no row.
    this.headerSeen = format === 'ndjson';
  }

  add(bytes: Uint8Array): number {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.format === 'csv' && byte === 0x22) this.quoted = !this.quoted;
      else if (byte === 0x0a && !this.quoted) {
        if (this.headerSeen) this.rows++;
        else this.headerSeen = true;
      }
    }
    return this.rows;
  }

  /** At the end: the JSON array's `]` line holds no row either. */
  finish(): number {
    if (this.format === 'json') this.rows = Math.max(0, this.rows - 1);
    return this.rows;
  }
}

/** Reads an export's whole body, counting its rows and bytes (what a client that only counts needs). */
export async function countExportRows(body: ReadableStream<Uint8Array>, format: ExportFormat): Promise<{ rows: number; bytes: number }> {
  const counter = new ExportRowCounter(format);
  let bytes = 0;
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    counter.add(next.value);
    bytes += next.value.length;
  }
  return { rows: counter.finish(), bytes };
}
