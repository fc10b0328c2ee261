import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, ExportRow } from '../api/export.js';

/**
 * Rows to the text of an export, a page at a time: CSV (RFC 4180 by csv-stringify, CRLF, a header
 * row), NDJSON (one object per line) or one JSON array (`[`, rows joined by `,LF`, `]`, each on a
 * line of its own, so ExportRowCounter can follow any of them as the bytes arrive).
 */
export class ExportEncoder {
  private rowsSoFar = 0;

  constructor(
    private readonly format: ExportFormat,
    private readonly columns: readonly string[],
  ) {}

  start(): string {
    if (this.format === 'csv') return stringify([], { header: true, columns: [...this.columns], record_delimiter: 'windows' });
    return this.format === 'json' ? '[\n' : '';
  }

  page(rows: readonly ExportRow[]): string {
    if (rows.length === 0) return '';
    const first = this.rowsSoFar === 0;
    this.rowsSoFar += rows.length;
    if (this.format === 'csv') {
      return stringify(
        rows.map((row) => this.columns.map((column) => cell(row[column]))),
        { record_delimiter: 'windows' },
      );
    }
    if (this.format === 'ndjson') {
      let text = '';
      for (const row of rows) text += `${JSON.stringify(row)}\n`;
      return text;
    }
    let text = first ? '' : ',\n';
    for (let index = 0; index < rows.length; index++) text += (index === 0 ? '' : ',\n') + JSON.stringify(rows[index]);
    return text;
  }

  end(): string {
    if (this.format !== 'json') return '';
    return this.rowsSoFar === 0 ? ']\n' : '\n]\n';
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
