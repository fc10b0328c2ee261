import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ExportFormat, ExportRow } from '../api/export.js';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * The rows as a byte stream in the format asked for. Readable.from pulls a row only when the
 * reader wants more, so a slow client holds the Redis reads back instead of filling memory.
 */
export function exportStream(rows: AsyncIterable<ExportRow>, format: ExportFormat, columns: readonly string[]): Readable {
  if (format === 'csv') return Readable.from(rows).pipe(stringify({ header: true, columns: [...columns], record_delimiter: 'windows' }));
  return Readable.from(format === 'ndjson' ? ndjsonLines(rows) : jsonArray(rows));
}

async function* ndjsonLines(rows: AsyncIterable<ExportRow>): AsyncGenerator<string> {
  for await (const row of rows) yield `${JSON.stringify(row)}\n`;
}

async function* jsonArray(rows: AsyncIterable<ExportRow>): AsyncGenerator<string> {
  let separator = '[\n';
  for await (const row of rows) {
    yield separator + JSON.stringify(row);
    separator = ',\n';
  }
  yield separator === '[\n' ? '[]\n' : '\n]\n';
}
