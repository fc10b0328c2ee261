import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, ExportRow } from '../api/export.js';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * The pages of rows as a byte stream in the format asked for, one chunk per page. Readable.from
 * pulls a page only when the reader wants more, so a slow client holds the Redis reads back
 * instead of filling memory; a chunk per page rather than per row keeps the stream's own garbage
 * (a promise and a buffer entry per chunk) small.
 */
export function exportStream(pages: AsyncIterable<ExportRow[]>, format: ExportFormat, columns: readonly string[]): Readable {
  const chunks = { csv: csvChunks(pages, columns), ndjson: ndjsonChunks(pages), json: jsonChunks(pages) }[format];
  return Readable.from(chunks, { objectMode: false });
}

async function* csvChunks(pages: AsyncIterable<ExportRow[]>, columns: readonly string[]): AsyncGenerator<string> {
  let header = true;
  for await (const page of pages) {
    yield stringify(page, { header, columns: [...columns], record_delimiter: 'windows' });
    header = false;
  }
  if (header) yield stringify([], { header: true, columns: [...columns], record_delimiter: 'windows' });
}

async function* ndjsonChunks(pages: AsyncIterable<ExportRow[]>): AsyncGenerator<string> {
  for await (const page of pages) yield page.map((row) => `${JSON.stringify(row)}\n`).join('');
}

async function* jsonChunks(pages: AsyncIterable<ExportRow[]>): AsyncGenerator<string> {
  let separator = '[\n';
  for await (const page of pages) {
    yield separator + page.map((row) => JSON.stringify(row)).join(',\n');
    separator = ',\n';
  }
  yield separator === '[\n' ? '[]\n' : '\n]\n';
}
