import { Readable } from 'node:stream';
import { EXPORT_COLUMNS, exportFilename, type ExportDownload, type ExportFormat, type ExportQueryOf, type ExportRow, type ExportView } from '../api/export.js';
import type { Broker } from '../broker/broker.js';
import { BUILT_IN_ID, type ConnectionManager } from '../connections/connection-manager.js';
import type { Inspection } from '../connections/inspection.js';
import type { Config } from '../config/schema.js';
import { ExportEncoder } from '../query/export-format.js';
import { THREAD_VIEWS, type ExportJob, type ThreadView } from '../query/export-job.js';
import { EXPORT_PAGE_SIZE } from '../query/export-rows.js';
import { ExportThread } from '../query/export-thread.js';
import type { RedisClient } from '../redis/redis-target.js';
import type { KeySchema } from '../model/keys.js';

export interface ExportTotals {
  rows: ReadonlyMap<ExportView, number>;
  /** Exports by outcome: `done`, `failed`, or `aborted` (the client went away first). */
  outcomes: Readonly<Record<ExportOutcome, number>>;
  running: number;
}
export type ExportOutcome = 'done' | 'failed' | 'aborted';

type Parts = { config: Config; connections: Pick<ConnectionManager, 'resolve'>; broker: Pick<Broker, 'topics' | 'refusals'> | null };

/**
 * The exports: Redis and S3 views read on the export thread (its own heap, its own connection to
 * the connection the pages show), the short in-memory ones (broker topics, refusals) and the
 * capped dead-letter list here, all in bounded steps pulled by the response. Counts rows and outcomes.
 */
export class ExportService {
  private readonly thread = new ExportThread((job, rows) => this.count(job.view, rows));
  private readonly rows = new Map<ExportView, number>();
  private readonly outcomes: Record<ExportOutcome, number> = { done: 0, failed: 0, aborted: 0 };
  private active = 0;

  constructor(private readonly parts: Parts) {
    this.thread.open();
  }

  totals(): ExportTotals {
    return { rows: this.rows, outcomes: this.outcomes, running: this.active };
  }

  /** One of the UI's views on the connection the pages show. */
  async start<V extends ExportView>(view: V, query: ExportQueryOf<V>, inspection: Inspection): Promise<ExportDownload> {
    const { format } = query;
    const filename = exportFilename(view, query);
    if ((THREAD_VIEWS as readonly string[]).includes(view)) {
      return this.onThread({ view: view as ThreadView, format, query, connection: this.parts.connections.resolve({ id: inspection.connection.id }), energy: this.energy(inspection.connection.id) }, filename);
    }
    const source = this.inMemory(view, query as Record<string, unknown>, inspection);
    const { total, pages } = await source;
    return { filename, format, total, body: this.tracked(encoded(pages, format, EXPORT_COLUMNS[view]), view) };
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  private async onThread(job: ExportJob, filename: string): Promise<ExportDownload> {
    let started;
    try {
      started = await this.thread.start(job);
    } catch (error) {
      this.outcomes.failed += 1;
      throw error;
    }
    return { filename, format: job.format, total: started.total, body: this.tracked(started.body, null) };
  }

  private energy(connectionId: string): ExportJob['energy'] {
    const { s3 } = this.parts.config.archive;
    return { bucketSeconds: this.parts.config.energy.bucketSeconds, s3: connectionId === BUILT_IN_ID && s3.bucket !== undefined ? s3 : null };
  }

  private count(view: ExportView, rows: number): void {
    this.rows.set(view, (this.rows.get(view) ?? 0) + rows);
  }

  /** Counts the export's outcome once it ends, and (for the in-memory views) its rows as they go out. */
  private tracked(body: Readable, countedAs: ExportView | null): Readable {
    this.active += 1;
    let settled = false;
    const settle = (outcome: ExportOutcome) => {
      if (settled) return;
      settled = true;
      this.active -= 1;
      this.outcomes[outcome] += 1;
    };
    body.once('end', () => settle('done'));
    body.once('error', () => settle('failed'));
    body.once('close', () => settle('aborted'));
    if (countedAs) body.on('rows', (rows: number) => this.count(countedAs, rows));
    return body;
  }

  private async inMemory(view: ExportView, query: Record<string, unknown>, inspection: Inspection): Promise<{ total: number | null; pages: AsyncIterable<ExportRow[]> }> {
    if (view === 'rejected') return deadLetterRows(inspection.client, inspection.keys);
    if (view === 'broker-topics') {
      // A process without the bundled broker (role ui) has no topics, as its Broker page shows.
      const topics = this.parts.broker?.topics(query.prefix as string, Number.MAX_SAFE_INTEGER).topics ?? [];
      const rows = topics.map(({ topic, messages, ratePerSecond, lastAt, lastPayload }) => ({
        topic,
        messages,
        ratePerSecond,
        lastAt,
        lastPayloadEncoding: lastPayload.encoding,
        lastPayloadSize: lastPayload.size,
        lastPayloadTruncated: lastPayload.truncated,
        lastPayload: lastPayload.text,
      }));
      return { total: rows.length, pages: inPages(rows) };
    }
    const rows = (this.parts.broker?.refusals().recent ?? []).map(({ at, action, clientId, address, deviceId, topic, code, reason }) => ({ at, action, clientId, address, deviceId, topic, code, reason }));
    return { total: rows.length, pages: inPages(rows) };
  }
}

async function* inPages<T>(rows: readonly T[]): AsyncGenerator<T[]> {
  for (let start = 0; start < rows.length; start += EXPORT_PAGE_SIZE) yield rows.slice(start, start + EXPORT_PAGE_SIZE);
}

/** The dead letters, newest first, LRANGE a page at a time; an entry that is not JSON is passed through as its payload. */
async function deadLetterRows(redis: RedisClient, keys: KeySchema): Promise<{ total: number; pages: AsyncIterable<ExportRow[]> }> {
  const total = await redis.llen(keys.deadLetters);
  async function* pages(): AsyncGenerator<ExportRow[]> {
    for (let start = 0; start < total; start += EXPORT_PAGE_SIZE) {
      const entries = await redis.lrange(keys.deadLetters, start, Math.min(start + EXPORT_PAGE_SIZE, total) - 1);
      if (entries.length === 0) return;
      yield entries.map((entry) => {
        try {
          const { at, topic, clientId, reason, detail, payloadBytes, payload } = JSON.parse(entry) as Record<string, ExportRow[string]>;
          return { at: at ?? null, topic: topic ?? null, clientId: clientId ?? null, reason: reason ?? null, detail: detail ?? null, payloadBytes: payloadBytes ?? null, payload: payload ?? null };
        } catch {
          return { at: null, topic: null, clientId: null, reason: 'not-json', detail: 'the dead letter is not JSON', payloadBytes: entry.length, payload: entry };
        }
      });
    }
  }
  return { total, pages: pages() };
}

/** Rows to the file's bytes on this thread, a page per chunk, only as the response pulls; emits `rows` as each page goes. */
function encoded(pages: AsyncIterable<ExportRow[]>, format: ExportFormat, columns: readonly string[]): Readable {
  const encoder = new ExportEncoder(format, columns);
  const counted = { emit: (_rows: number): void => undefined };
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from(encoder.start());
    for await (const page of pages) {
      yield Buffer.from(encoder.page(page));
      counted.emit(page.length);
    }
    yield Buffer.from(encoder.end());
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  counted.emit = (rows) => void stream.emit('rows', rows);
  return stream;
}
