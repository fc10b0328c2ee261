import type { EnergyBucketRead, EnergyPoint } from '../../core/api/energy.js';
import type { EnergySource } from '../../core/domain/energy.js';

/** Most points one energy chart asks for: more would not show on a screen. */
export const MAX_POINTS = 300;

/** Clock-friendly intervals, all multiples of 300 s (the length of one meter reading). */
const NICE_INTERVALS = [300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** The interval for a series over `spanSeconds`: the shortest nice one giving at most MAX_POINTS points, whole days past that. */
export function energyInterval(spanSeconds: number): number {
  return NICE_INTERVALS.find((interval) => spanSeconds / interval <= MAX_POINTS) ?? Math.ceil(spanSeconds / MAX_POINTS / 86_400) * 86_400;
}

export const SOURCE_STYLES: Record<EnergySource, { name: string; color: string }> = {
  redis: { name: 'Redis', color: '#ef4444' },
  s3: { name: 'S3', color: '#f59e0b' },
  both: { name: 'Redis + S3', color: '#14b8a6' },
  none: { name: 'no readings', color: '#94a3b8' },
};

export const SOURCE_ORDER: readonly EnergySource[] = ['redis', 's3', 'both', 'none'];

/** Consecutive buckets read from the same place, as one span of the chart's x axis (Unix seconds). */
export interface SourceRun {
  source: EnergySource;
  from: number;
  to: number;
  /** bucketStart of its first and last bucket. */
  firstBucket: number;
  lastBucket: number;
  buckets: number;
  readings: number;
}

/**
 * The buckets of an answer merged into runs of one source. Buckets tile the queried range, so a
 * run ends where the next one starts and the last ends with the range.
 */
export function sourceRuns(buckets: readonly EnergyBucketRead[], from: number, to: number): SourceRun[] {
  const sorted = [...buckets].sort((a, b) => a.bucketStart - b.bucketStart);
  const runs: SourceRun[] = [];
  for (const bucket of sorted) {
    const last = runs.at(-1);
    if (last && last.source === bucket.source) {
      last.lastBucket = bucket.bucketStart;
      last.buckets += 1;
      last.readings += bucket.readings;
      continue;
    }
    if (last) last.to = bucket.bucketStart;
    runs.push({
      source: bucket.source,
      from: Math.max(from, bucket.bucketStart),
      to,
      firstBucket: bucket.bucketStart,
      lastBucket: bucket.bucketStart,
      buckets: 1,
      readings: bucket.readings,
    });
  }
  return runs;
}

export interface ChartColumns {
  x: number[];
  values: (field: 'eRealPositive' | 'eRealNegative' | 'eReal') => Array<number | null>;
}

/**
 * x positions and values for the chart, with a gap wherever an interval had no readings, so the
 * line breaks there instead of bridging (or dropping to zero across) time nobody measured.
 */
export function chartColumns(points: readonly EnergyPoint[], intervalSeconds: number): ChartColumns {
  const x: number[] = [];
  const rows: Array<EnergyPoint | null> = [];
  points.forEach((point, index) => {
    const previous = points[index - 1];
    if (previous && point.t - previous.t > intervalSeconds) {
      x.push(previous.t + intervalSeconds);
      rows.push(null);
    }
    x.push(point.t);
    rows.push(point.readings > 0 ? point : null);
  });
  return { x, values: (field) => rows.map((row) => (row ? row[field] : null)) };
}

/**
 * Start of the shortest tail of a series holding at most `limit` readings (at least its last
 * non-empty interval): readings come oldest first, so asking for that tail with `limit` returns
 * the newest ones. Null when the series has none.
 */
export function newestReadingsFrom(points: readonly EnergyPoint[], limit: number): number | null {
  let count = 0;
  let from: number | null = null;
  for (let index = points.length - 1; index >= 0; index -= 1) {
    const point = points[index]!;
    if (point.readings === 0) continue;
    if (from !== null && count + point.readings > limit) break;
    count += point.readings;
    from = point.t;
  }
  return from;
}

/** The sum over a reading's six channels, or null when the field is not a list of numbers. */
export function channelSum(value: unknown): number | null {
  if (!Array.isArray(value) || !value.every((one) => typeof one === 'number')) return null;
  return (value as number[]).reduce((sum, one) => sum + one, 0);
}
