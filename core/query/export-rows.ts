import type { ExportRow } from '../api/export.js';
import type { KeyType } from '../domain/key-type.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';
import type { EnergyQuery } from './energy-query.js';
import { scanKeys, type ScanScope } from './key-browser.js';

/**
 * The rows of the exports that read Redis (and S3), as pages read only when the consumer asks for
 * the next one, so a million rows never sit in memory and a consumer that stops stops the reads.
 * Each source says how many rows it will give when it knows before the first one.
 */
export interface RowSource {
  total: number | null;
  pages: AsyncIterable<ExportRow[]>;
}

/** Rows per Redis step: one ZRANGE (or SCAN) and one pipeline of HGETALL. */
export const EXPORT_PAGE_SIZE = 500;

/**
 * Every SensorData entry with from ≤ score ≤ to, oldest first, each with its device hash's fields.
 * Pages go by rank (ZRANGE by index costs log N per page, where LIMIT offset would cost the
 * offset); entries that moved out of the range while the export ran are skipped.
 */
export async function sensorEventRows(redis: RedisClient, keys: KeySchema, from: number, to: number): Promise<RowSource> {
  const first = await redis.zcount(keys.sensorData, '-inf', `(${from}`);
  const last = (await redis.zcount(keys.sensorData, '-inf', to)) - 1;
  return { total: Math.max(0, last - first + 1), pages: rankPages(redis, keys, first, last, (score) => score >= from && score <= to) };
}

/**
 * Every thermostat device hash: the members of SensorData (one per device, scored with its last
 * reading) by rank, or with `match` the members ZSCAN … MATCH finds, each with its hash.
 */
export async function deviceHashRows(redis: RedisClient, keys: KeySchema, match: string | undefined): Promise<RowSource> {
  if (match === undefined) {
    const count = await redis.zcard(keys.sensorData);
    return { total: count, pages: rankPages(redis, keys, 0, count - 1, () => true) };
  }
  return { total: null, pages: scannedDevices(redis, keys, match) };
}

async function* rankPages(redis: RedisClient, keys: KeySchema, first: number, last: number, keep: (score: number) => boolean): AsyncGenerator<ExportRow[]> {
  for (let start = first; start <= last; start += EXPORT_PAGE_SIZE) {
    const flat = await redis.zrange(keys.sensorData, start, Math.min(start + EXPORT_PAGE_SIZE, last + 1) - 1, 'WITHSCORES');
    const rows = await withHashes(redis, keys, flat, keep);
    if (rows.length > 0) yield rows;
  }
}

async function* scannedDevices(redis: RedisClient, keys: KeySchema, match: string): AsyncGenerator<ExportRow[]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(keys.sensorData, cursor, 'MATCH', match, 'COUNT', EXPORT_PAGE_SIZE);
    cursor = next;
    const rows = await withHashes(redis, keys, flat, () => true);
    if (rows.length > 0) yield rows;
  } while (cursor !== '0');
}

/** `flat` is member, score, member, score…; one pipeline of HGETALL for the page. */
async function withHashes(redis: RedisClient, keys: KeySchema, flat: string[], keep: (score: number) => boolean): Promise<ExportRow[]> {
  const pipeline = redis.pipeline();
  for (let i = 0; i + 1 < flat.length; i += 2) pipeline.hgetall(keys.deviceHash(flat[i]!));
  const answers = (await pipeline.exec()) ?? [];
  const rows: ExportRow[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const score = Number(flat[i + 1]);
    if (!keep(score)) continue;
    const [error, fields] = answers[i / 2]!;
    if (error) throw error;
    rows.push({ deviceId: flat[i]!, score, ...(fields as Record<string, string>) });
  }
  return rows;
}

/** The Keys page's walk: SCAN (MATCH, TYPE) step after step over every master, each key with its type. */
export function keyRows(scope: ScanScope, match: string | undefined, type: KeyType | undefined): RowSource {
  async function* pages(): AsyncGenerator<ExportRow[]> {
    let cursor = '0';
    do {
      const scan = await scanKeys(scope, { cursor, match: match ?? null, type: type ?? null, count: EXPORT_PAGE_SIZE, maxExamined: 20 * EXPORT_PAGE_SIZE });
      cursor = scan.cursor;
      if (scan.keys.length > 0) yield scan.keys.map(({ key, type: keyType }) => ({ key, type: keyType }));
    } while (cursor !== '0');
  }
  return { total: null, pages: pages() };
}

/** Every reading of the meter in [from, to] (Unix seconds), oldest first, bucket by bucket, with where its bucket came from (the reading's JSON as stored). */
export function meterReadingRows(energy: EnergyQuery, deviceId: string, from: number, to: number): RowSource {
  async function* pages(): AsyncGenerator<ExportRow[]> {
    for await (const buckets of energy.steps(deviceId, from, to, 1)) {
      for (const { read, segments } of buckets) {
        const rows: ExportRow[] = [];
        // A bucket that could not be read (S3 down, a corrupt object) is a row naming it; the rest goes on.
        if (read.error !== null) rows.push({ deviceId, timestamp: null, bucketStart: read.bucketStart, source: read.source, reading: null, error: read.error });
        for (const { columns, start, end } of segments) {
          for (let index = start; index < end; index++) {
            rows.push({ deviceId, timestamp: columns.timestamps[index]!, bucketStart: read.bucketStart, source: read.source, reading: columns.lines[index]!, error: null });
          }
        }
        if (rows.length > 0) yield rows;
      }
    }
  }
  return { total: null, pages: pages() };
}

/**
 * Energy sums per interval over [from, to], step by step (each step whole intervals), each point
 * with the source of the buckets it was read from; a bucket that could not be read gives a row
 * with its error and no readings, so a failure is never silent.
 */
export function meterEnergyRows(energy: EnergyQuery, deviceId: string, from: number, to: number, interval: number): RowSource {
  async function* pages(): AsyncGenerator<ExportRow[]> {
    for await (const buckets of energy.steps(deviceId, from, to, interval)) {
      const rows: ExportRow[] = [];
      const failed = buckets.filter(({ read }) => read.error !== null);
      for (const point of energy.pointsOf(buckets, interval)) {
        const covering = buckets.filter(({ read }) => read.bucketStart < point.t + interval && read.bucketStart + energy.bucketSeconds > point.t && read.readings > 0);
        rows.push({ deviceId, ...point, source: [...new Set(covering.map(({ read }) => read.source))].join('+'), error: null });
      }
      for (const { read } of failed) rows.push({ deviceId, t: read.bucketStart, eReal: 0, eRealPositive: 0, eRealNegative: 0, readings: 0, source: read.source, error: read.error });
      rows.sort((a, b) => (a.t as number) - (b.t as number));
      if (rows.length > 0) yield rows;
    }
  }
  return { total: null, pages: pages() };
}
