import { parentPort } from 'node:worker_threads';
import { EXPORT_COLUMNS } from '../api/export.js';
import { KindedError, InvalidInput, Unavailable } from '../domain/errors.js';
import type { KeyType } from '../domain/key-type.js';
import { createKeySchema } from '../model/keys.js';
import { redisFailure } from '../redis/redis-failure.js';
import { openTarget, type RedisTarget } from '../redis/redis-target.js';
import { ExportEncoder } from './export-format.js';
import type { ExportFailure, ExportJob, FromExportThread, ToExportThread } from './export-job.js';
import { deviceHashRows, keyRows, meterEnergyRows, meterReadingRows, sensorEventRows, type RowSource } from './export-rows.js';

/**
 * The export thread: reads the rows of an export from Redis (and S3), turns them into the file's
 * bytes and hands them to the main thread a chunk at a time, only as the main thread asks for the
 * next one (which it does as the client takes them). Its heap is small and of its own (see
 * export-thread.ts), so a million rows' worth of garbage never reaches the server's.
 */

/** Bytes of text gathered before a chunk goes out. */
const CHUNK_CHARS = 64 * 1024;
/** Decoded S3 objects kept per export: a few buckets, not the 64 MiB of the pages' cache. */
const CACHE_BYTES = 4 * 1024 * 1024;

const port = parentPort!;

interface Running {
  credit: number;
  wake: (() => void) | null;
  cancelled: boolean;
}
const running = new Map<number, Running>();

port.on('message', (message: ToExportThread) => {
  if (message.type === 'start') {
    running.set(message.id, { credit: 0, wake: null, cancelled: false });
    void run(message.id, message.job);
    return;
  }
  const state = running.get(message.id);
  if (!state) return;
  if (message.type === 'more') state.credit += 1;
  else state.cancelled = true;
  state.wake?.();
});

function post(message: FromExportThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Waits until the main thread wants a chunk; false when the export was cancelled (the client went away). */
async function granted(state: Running): Promise<boolean> {
  while (state.credit === 0 && !state.cancelled) await new Promise<void>((resolve) => (state.wake = resolve));
  state.wake = null;
  if (state.cancelled) return false;
  state.credit -= 1;
  return true;
}

async function run(id: number, job: ExportJob): Promise<void> {
  const state = running.get(id)!;
  let target: RedisTarget | null = null;
  let headSent = false;
  try {
    target = await openTarget(job.connection.settings, job.connection.secrets, { connectionName: 'sensor-workbench:export' });
    const source = await rowSource(job, target);
    const pages = source.pages[Symbol.asyncIterator]();
    // The first page before the head: a range the query refuses, or a Redis that fails, is still a status.
    let page = await pages.next();
    post({ type: 'head', id, total: source.total });
    headSent = true;
    const encoder = new ExportEncoder(job.format, EXPORT_COLUMNS[job.view]);
    let text = encoder.start();
    let rows = 0;
    while (!page.done) {
      text += encoder.page(page.value);
      rows += page.value.length;
      if (text.length >= CHUNK_CHARS) {
        if (!(await granted(state))) return void (await pages.return?.());
        send(id, text, rows);
        text = '';
        rows = 0;
      }
      if (state.cancelled) return void (await pages.return?.());
      page = await pages.next();
    }
    text += encoder.end();
    if (!(await granted(state))) return;
    send(id, text, rows);
    post({ type: 'end', id });
  } catch (error) {
    post({ type: 'error', id, failure: failureOf(error, headSent) });
  } finally {
    running.delete(id);
    await target?.close();
  }
}

function send(id: number, text: string, rows: number): void {
  const buffer = Buffer.from(text);
  // A small Buffer shares Node's pool; it gets an ArrayBuffer of its own before it is transferred.
  const bytes = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength ? buffer : new Uint8Array(buffer);
  post({ type: 'chunk', id, bytes, rows }, [bytes.buffer as ArrayBuffer]);
}

async function rowSource(job: ExportJob, target: RedisTarget): Promise<RowSource> {
  const keys = createKeySchema(job.connection.settings.schema);
  const query = job.query;
  switch (job.view) {
    case 'events':
      return sensorEventRows(target.client, keys, query.from as number, query.to as number);
    case 'devices':
      return deviceHashRows(target.client, keys, query.match as string | undefined);
    case 'keys':
      return keyRows(target, query.match as string | undefined, query.type as KeyType | undefined);
    case 'meter-readings':
    case 'meter-energy': {
      // Loaded on the first meter export only: the AWS SDK is most of what this thread would load.
      const [{ EnergyQuery }, { createS3Client }] = await Promise.all([import('./energy-query.js'), import('../archive/s3-client.js')]);
      const { s3 } = job.energy;
      const energy = new EnergyQuery({
        redis: target.client,
        keys,
        bucketSeconds: job.energy.bucketSeconds,
        s3: s3 && s3.bucket !== undefined ? { client: createS3Client(s3), bucket: s3.bucket, keyPrefix: s3.keyPrefix } : null,
        cacheBytes: CACHE_BYTES,
      });
      const { deviceId, from, to } = query as { deviceId: string; from: number; to: number };
      return job.view === 'meter-readings' ? meterReadingRows(energy, deviceId, from, to) : meterEnergyRows(energy, deviceId, from, to, query.interval as number);
    }
  }
}

function failureOf(error: unknown, headSent: boolean): ExportFailure {
  const message = error instanceof Error ? error.message : String(error);
  const known = error instanceof KindedError ? error : error instanceof Error && !headSent ? redisFailure(error) : null;
  if (known instanceof InvalidInput) return { kind: known.kind, message: known.message, field: known.field, service: null };
  if (known instanceof Unavailable) return { kind: known.kind, message: known.message, field: null, service: known.service };
  if (known) return { kind: known.kind, message: known.message, field: null, service: null };
  return { kind: 'unexpected', message, field: null, service: null };
}

