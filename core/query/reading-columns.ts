import type { EnergyBucketRead, EnergyPoint, EnergyReadings } from '../api/energy.js';
import { bucketStartOf } from '../model/energy-bucket.js';

/**
 * A bucket's meter readings as columns, and the merge of the Redis and the S3 copy of one bucket:
 * the pure half of the energy query, apart from where the readings are read.
 */

/**
 * One bucket's readings sorted by timestamp, one per timestamp, with the per-reading sums a series
 * needs precomputed: a warm query over cached objects touches no JSON at all.
 */
export interface ReadingColumns {
  timestamps: Float64Array;
  /** Sums over the six channels of each reading. */
  eReal: Float64Array;
  eRealPositive: Float64Array;
  eRealNegative: Float64Array;
  /** Each reading's JSON exactly as stored. */
  lines: string[];
  /** Timestamps of copies dropped because a later copy of the same reading followed (usually none). */
  shadowed: number[];
}

interface Row {
  timestamp: number;
  eReal: number;
  eRealPositive: number;
  eRealNegative: number;
  line: string;
}


/** Readings [start, end) of one source's columns, a run of the merged bucket. */
export interface Segment {
  columns: ReadingColumns;
  start: number;
  end: number;
}

export interface MergedBucket {
  read: EnergyBucketRead;
  /** The bucket's readings in the query range, oldest first. */
  segments: Segment[];
  duplicates: number;
}


/**
 * Sorted, one reading per timestamp: of several copies the one ingested last stays (Array sort is
 * stable), as a meter's resend or correction is the newer word. Lines that are not a JSON object
 * with a numeric timestamp are left out and their positions returned.
 */
export function columnsOf(lines: readonly string[]): { columns: ReadingColumns; invalidLines: number[] } {
  const rows: Row[] = [];
  const invalidLines: number[] = [];
  lines.forEach((line, position) => {
    const row = rowOf(line);
    if (row) rows.push(row);
    else invalidLines.push(position);
  });
  rows.sort((a, b) => a.timestamp - b.timestamp);
  const kept = rows.filter((row, index) => rows[index + 1]?.timestamp !== row.timestamp);
  const shadowed = rows.filter((row, index) => rows[index + 1]?.timestamp === row.timestamp).map((row) => row.timestamp);
  return {
    columns: {
      timestamps: Float64Array.from(kept, (row) => row.timestamp),
      eReal: Float64Array.from(kept, (row) => row.eReal),
      eRealPositive: Float64Array.from(kept, (row) => row.eRealPositive),
      eRealNegative: Float64Array.from(kept, (row) => row.eRealNegative),
      lines: kept.map((row) => row.line),
      shadowed,
    },
    invalidLines,
  };
}

function rowOf(line: string): Row | null {
  let reading: unknown;
  try {
    reading = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof reading !== 'object' || reading === null) return null;
  const { timestamp, eReal, eRealPositive, eRealNegative } = reading as Record<string, unknown>;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return null;
  return { timestamp, eReal: channelSum(eReal), eRealPositive: channelSum(eRealPositive), eRealNegative: channelSum(eRealNegative), line };
}

function channelSum(channels: unknown): number {
  if (!Array.isArray(channels)) return 0;
  let sum = 0;
  for (const value of channels) if (typeof value === 'number') sum += value;
  return sum;
}

export interface Span {
  from: number;
  /** Inclusive. */
  to: number;
  /** Exclusive: the next bucket's start. */
  end: number;
}

export function windowOf(columns: ReadingColumns, span: Span): Segment {
  const { timestamps } = columns;
  const start = firstIndex(timestamps, (t) => t >= span.from);
  const end = firstIndex(timestamps, (t) => t > span.to || t >= span.end);
  return { columns, start, end: Math.max(start, end) };
}

/** Binary search on sorted values: the first index where `reached` holds (it must stay true after). */
function firstIndex(values: Float64Array, reached: (value: number) => boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (reached(values[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}

export function shadowedIn(part: Segment | null, span: Span): number {
  if (!part) return 0;
  return part.columns.shadowed.filter((t) => t >= span.from && t <= span.to && t < span.end).length;
}

/** Two sorted parts into runs, oldest first; a timestamp in both comes from RedisClient, the newer word. */
export function mergeParts(redis: Segment | null, s3: Segment | null): { segments: Segment[]; duplicates: number } {
  if (!hasReadings(redis) || !hasReadings(s3)) return { segments: [redis, s3].filter(hasReadings), duplicates: 0 };
  const segments: Segment[] = [];
  const take = (columns: ReadingColumns, index: number): void => {
    const last = segments.at(-1);
    if (last && last.columns === columns && last.end === index) last.end += 1;
    else segments.push({ columns, start: index, end: index + 1 });
  };
  let duplicates = 0;
  let r = redis.start;
  let s = s3.start;
  while (r < redis.end || s < s3.end) {
    const redisTime = r < redis.end ? redis.columns.timestamps[r]! : Infinity;
    const s3Time = s < s3.end ? s3.columns.timestamps[s]! : Infinity;
    if (redisTime > s3Time) {
      take(s3.columns, s++);
      continue;
    }
    take(redis.columns, r++);
    if (redisTime === s3Time) {
      s += 1;
      duplicates += 1;
    }
  }
  return { segments, duplicates };
}

function hasReadings(part: Segment | null): part is Segment {
  return part !== null && part.end > part.start;
}

export function firstReadings(buckets: readonly MergedBucket[], limit: number): EnergyReadings['readings'] {
  const readings: EnergyReadings['readings'] = [];
  for (const { segments } of buckets) {
    for (const { columns, start, end } of segments) {
      for (let index = start; index < end; index++) {
        if (readings.length === limit) return readings;
        readings.push(JSON.parse(columns.lines[index]!) as EnergyReadings['readings'][number]);
      }
    }
  }
  return readings;
}

/** Readings arrive oldest first across buckets, so each interval's point is built in one pass. */
export function pointsOf(buckets: readonly MergedBucket[], intervalSeconds: number): EnergyPoint[] {
  const points: EnergyPoint[] = [];
  let point: EnergyPoint | undefined;
  for (const { segments } of buckets) {
    for (const { columns, start, end } of segments) {
      for (let index = start; index < end; index++) {
        const t = bucketStartOf(columns.timestamps[index]!, intervalSeconds);
        if (point?.t !== t) {
          point = { t, eReal: 0, eRealPositive: 0, eRealNegative: 0, readings: 0 };
          points.push(point);
        }
        point.eReal += columns.eReal[index]!;
        point.eRealPositive += columns.eRealPositive[index]!;
        point.eRealNegative += columns.eRealNegative[index]!;
        point.readings += 1;
      }
    }
  }
  return points;
}
