import { GetObjectCommand, NoSuchKey, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { RedisClient } from '../redis/redis-target.js';
import { performance } from 'node:perf_hooks';
import { CorruptObjectError, decodeBucket, energyObjectKey } from '../archive/energy-object.js';
import { bucketsCovering } from '../model/energy-bucket.js';
import type { KeySchema } from '../model/keys.js';
import type { EnergyPoint, EnergyReadings, EnergySeries } from '../api/energy.js';
import type { EnergySource } from '../domain/energy.js';
import { InvalidInput } from '../domain/errors.js';
import { ArchivedObjectCache } from './archived-object-cache.js';
import { columnsOf, firstReadings, mergeParts, pointsOf, shadowedIn, windowOf, type MergedBucket, type ReadingColumns, type Segment } from './reading-columns.js';

export interface EnergyS3Target {
  client: S3Client;
  bucket: string;
  keyPrefix: string;
}

export interface EnergyQueryOptions {
  redis: RedisClient;
  keys: KeySchema;
  bucketSeconds: number;
  /** null when no S3 is configured: buckets the index calls archived then carry an error. */
  s3: EnergyS3Target | null;
  /** Bound of the cache of decoded objects; 64 MiB when not given. */
  cacheBytes?: number;
  /** GetObject requests one query keeps in flight; 8 when not given. */
  s3Concurrency?: number;
}

/** Arguments no query should run with: the client's to fix. */
export class InvalidEnergyQuery extends InvalidInput {}

const DAY_SECONDS = 86_400;
const MAX_RANGE_DAYS = 366;
const MAX_POINTS = 100_000;
/** One LRANGE per bucket goes into a single MULTI; short buckets over a long range would make it huge. */
const MAX_BUCKETS = 10_000;
const MAX_LIMIT = 100_000;
/** A stalled S3 endpoint fails its buckets instead of holding the answer forever. */
const S3_TIMEOUT_MS = 20_000;
/** Cache cost of a reading beyond its JSON: four 8-byte columns, its array slot and string header. */
const READING_OVERHEAD_BYTES = 64;

/** What one MULTI saw of a bucket. */
interface BucketSnapshot {
  bucketStart: number;
  listKey: string;
  /** The list's elements (empty when it does not exist), or why LRANGE failed. */
  list: string[] | Error;
  /** ETag of the archived object per the index, null when the bucket was never archived. */
  etag: string | null;
}

type ArchivedPart = { columns: ReadingColumns; cached: boolean } | { error: string };

interface RangeRead {
  buckets: MergedBucket[];
  readings: number;
  duplicatesDropped: number;
}

/**
 * The energy read side: a time range becomes buckets, each read from RedisClient, S3 or both, merged by
 * timestamp without duplicates. A bucket that cannot be read reports why in its own `error`; the
 * rest of the answer stands.
 */
export class EnergyQuery {
  private readonly redis: RedisClient;
  private readonly keys: KeySchema;
  private readonly bucketSize: number;
  private readonly s3: EnergyS3Target | null;
  private readonly s3Concurrency: number;
  private readonly cache: ArchivedObjectCache<ReadingColumns>;
  /** Queries that miss on the same object at the same time share one download. */
  private readonly downloads = new Map<string, Promise<ReadingColumns>>();

  constructor(options: EnergyQueryOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.bucketSize = options.bucketSeconds;
    this.s3 = options.s3;
    this.s3Concurrency = Math.max(1, options.s3Concurrency ?? 8);
    this.cache = new ArchivedObjectCache(options.cacheBytes ?? 64 * 1024 * 1024);
  }

  /** The readings with fromSeconds ≤ timestamp ≤ toSeconds, oldest first, at most `limit`. */
  async readings(deviceId: string, fromSeconds: number, toSeconds: number, limit: number): Promise<EnergyReadings> {
    this.checkRange(deviceId, fromSeconds, toSeconds);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidEnergyQuery(`limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`, 'limit');
    }
    const range = await this.readRange(deviceId, fromSeconds, toSeconds);
    return {
      deviceId,
      readings: firstReadings(range.buckets, limit),
      truncated: range.readings > limit,
      buckets: range.buckets.map((bucket) => bucket.read),
      duplicatesDropped: range.duplicatesDropped,
    };
  }

  /** Sums per interval of intervalSeconds (aligned to it); intervals without readings get no point. */
  async series(deviceId: string, fromSeconds: number, toSeconds: number, intervalSeconds: number): Promise<EnergySeries> {
    const started = performance.now();
    this.checkRange(deviceId, fromSeconds, toSeconds);
    if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1) {
      throw new InvalidEnergyQuery(`interval must be a whole number of seconds ≥ 1, got ${intervalSeconds}`, 'interval');
    }
    if ((toSeconds - fromSeconds) / intervalSeconds > MAX_POINTS) {
      throw new InvalidEnergyQuery(`more than ${MAX_POINTS} intervals of ${intervalSeconds} s: choose a longer interval`, 'interval');
    }
    const range = await this.readRange(deviceId, fromSeconds, toSeconds);
    return {
      deviceId,
      from: fromSeconds,
      to: toSeconds,
      intervalSeconds,
      points: pointsOf(range.buckets, intervalSeconds),
      buckets: range.buckets.map((bucket) => bucket.read),
      readings: range.readings,
      duplicatesDropped: range.duplicatesDropped,
      tookMs: performance.now() - started,
    };
  }

  /**
   * The range in steps of whole `alignSeconds` covering at least a bucket each, read as one query
   * reads its range (one MULTI, then its S3 objects), one step only when the consumer asks for the
   * next: the streaming exports' way through a long range in bounded memory.
   */
  async *steps(deviceId: string, fromSeconds: number, toSeconds: number, alignSeconds: number): AsyncGenerator<MergedBucket[]> {
    this.checkRange(deviceId, fromSeconds, toSeconds);
    const step = Math.ceil(this.bucketSize / alignSeconds) * alignSeconds;
    for (let start = Math.floor(fromSeconds / step) * step; start <= toSeconds; start += step) {
      yield (await this.readRange(deviceId, Math.max(fromSeconds, start), Math.min(toSeconds, start + step - 1))).buckets;
    }
  }

  /** Sums per interval of what steps() read. */
  pointsOf(buckets: readonly MergedBucket[], intervalSeconds: number): EnergyPoint[] {
    return pointsOf(buckets, intervalSeconds);
  }

  get bucketSeconds(): number {
    return this.bucketSize;
  }

  private checkRange(deviceId: string, from: number, to: number): void {
    if (deviceId === '') throw new InvalidEnergyQuery('a meter id is required', 'deviceId');
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
      throw new InvalidEnergyQuery(`from and to must be whole Unix seconds, got from=${from} to=${to}`, 'from');
    }
    if (from > to) throw new InvalidEnergyQuery(`from (${from}) is after to (${to})`, 'from');
    if (to - from > MAX_RANGE_DAYS * DAY_SECONDS) {
      throw new InvalidEnergyQuery(`the range spans ${Math.ceil((to - from) / DAY_SECONDS)} days; at most ${MAX_RANGE_DAYS} per query`, 'to');
    }
    const buckets = Math.floor(to / this.bucketSize) - Math.floor(from / this.bucketSize) + 1;
    if (buckets > MAX_BUCKETS) {
      throw new InvalidEnergyQuery(`the range covers ${buckets} buckets of ${this.bucketSize} s; at most ${MAX_BUCKETS} per query`, 'to');
    }
  }

  private async readRange(deviceId: string, from: number, to: number): Promise<RangeRead> {
    const snapshots = await this.snapshot(deviceId, bucketsCovering(from, to, this.bucketSize));
    const archived = await this.archivedParts(deviceId, snapshots);
    const buckets = snapshots.map((snapshot) => this.mergeBucket(snapshot, archived.get(snapshot.bucketStart), from, to));
    return {
      buckets,
      readings: buckets.reduce((sum, bucket) => sum + bucket.read.readings, 0),
      duplicatesDropped: buckets.reduce((sum, bucket) => sum + bucket.duplicates, 0),
    };
  }

  /**
   * Every bucket list and the archived index in one MULTI: the archiver deletes a list and adds
   * its index entry in one transaction, so a bucket is never seen in neither place.
   */
  private async snapshot(deviceId: string, starts: number[]): Promise<BucketSnapshot[]> {
    const listKeys = starts.map((bucketStart) => this.keys.energyBucket(deviceId, bucketStart));
    const indexKey = this.keys.meterArchived(deviceId);
    const multi = this.redis.multi();
    for (const key of listKeys) multi.lrange(key, 0, -1);
    multi.zrangebyscore(indexKey, starts[0]!, starts.at(-1)!);
    const replies = await multi.exec();
    if (!replies) throw new Error(`the Redis transaction reading ${deviceId}'s buckets was aborted`);
    const [indexError, members] = replies.at(-1)!;
    if (indexError) throw new Error(`${indexKey} could not be read: ${indexError.message}`, { cause: indexError });
    const etags = etagsByBucket(members as string[]);
    return starts.map((bucketStart, index) => {
      const [error, list] = replies[index]!;
      return { bucketStart, listKey: listKeys[index]!, list: error ?? (list as string[]), etag: etags.get(bucketStart) ?? null };
    });
  }

  private async archivedParts(deviceId: string, snapshots: BucketSnapshot[]): Promise<Map<number, ArchivedPart>> {
    const parts = new Map<number, ArchivedPart>();
    const { s3 } = this;
    const misses: Array<{ bucketStart: number; objectKey: string; etag: string }> = [];
    for (const { bucketStart, etag } of snapshots) {
      if (etag === null) continue;
      if (!s3) {
        parts.set(bucketStart, { error: 'the archived index lists it, but no S3 bucket is configured to read it from' });
        continue;
      }
      const objectKey = energyObjectKey(s3.keyPrefix, deviceId, bucketStart);
      const columns = this.cache.get(objectKey, etag);
      if (columns) parts.set(bucketStart, { columns, cached: true });
      else misses.push({ bucketStart, objectKey, etag });
    }
    if (s3) {
      await forEachBounded(misses, this.s3Concurrency, async ({ bucketStart, objectKey, etag }) => {
        parts.set(bucketStart, await this.fetchPart(s3, objectKey, etag));
      });
    }
    return parts;
  }

  private async fetchPart(s3: EnergyS3Target, objectKey: string, etag: string): Promise<ArchivedPart> {
    const flight = `${objectKey}\n${etag}`;
    let download = this.downloads.get(flight);
    if (!download) {
      download = this.download(s3, objectKey, etag).finally(() => this.downloads.delete(flight));
      this.downloads.set(flight, download);
    }
    try {
      return { columns: await download, cached: false };
    } catch (error) {
      return { error: failureReason(error, objectKey, s3.bucket) };
    }
  }

  private async download(s3: EnergyS3Target, objectKey: string, etag: string): Promise<ReadingColumns> {
    const response = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: objectKey }), {
      abortSignal: AbortSignal.timeout(S3_TIMEOUT_MS),
    });
    if (!response.Body) throw new CorruptObjectError('the object has no body');
    const lines = decodeBucket(await response.Body.transformToByteArray(), response.Metadata?.['raw-sha256']);
    const { columns, invalidLines } = columnsOf(lines);
    if (invalidLines.length > 0) {
      throw new CorruptObjectError(`line ${invalidLines[0]! + 1} of ${lines.length} is not a JSON reading with a timestamp`);
    }
    const rawBytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
    // Filed under the ETag actually served: were the index behind a newer upload, the next query
    // misses and reads again rather than the newer content being cached as the older ETag's.
    this.cache.set(objectKey, response.ETag?.replaceAll('"', '') ?? etag, columns, rawBytes + lines.length * READING_OVERHEAD_BYTES);
    return columns;
  }

  private mergeBucket(snapshot: BucketSnapshot, archived: ArchivedPart | undefined, from: number, to: number): MergedBucket {
    const { bucketStart, list, listKey } = snapshot;
    // Clamped to the bucket's own span so buckets never overlap: the merged answer stays sorted
    // across buckets and a reading filed in the wrong list cannot come out twice.
    const span = { from: Math.max(from, bucketStart), to, end: bucketStart + this.bucketSize };
    const errors: string[] = [];
    let redisPart: Segment | null = null;
    if (list instanceof Error) {
      errors.push(`Redis list ${listKey} could not be read: ${list.message}`);
    } else if (list.length > 0) {
      const { columns, invalidLines } = columnsOf(list);
      if (invalidLines.length > 0) errors.push(`${invalidLines.length} element(s) of Redis list ${listKey} are not JSON readings with a timestamp and were skipped`);
      redisPart = windowOf(columns, span);
    }
    let s3Part: Segment | null = null;
    if (archived && 'error' in archived) errors.push(archived.error);
    else if (archived) s3Part = windowOf(archived.columns, span);

    const merged = mergeParts(redisPart, s3Part);
    const duplicates = merged.duplicates + shadowedIn(redisPart, span) + shadowedIn(s3Part, span);
    const inRedis = list instanceof Error || list.length > 0;
    return {
      read: {
        bucketStart,
        source: sourceOf(inRedis, snapshot.etag !== null),
        readings: merged.segments.reduce((sum, segment) => sum + segment.end - segment.start, 0),
        error: errors.length > 0 ? `${bucketLabel(bucketStart)}: ${errors.join('; ')}` : null,
        cached: archived !== undefined && 'cached' in archived && archived.cached,
      },
      segments: merged.segments,
      duplicates,
    };
  }
}

/**
 * Index members are `<bucketStart>:<etag>`. Should a bucket appear twice (an archiver that adds the
 * new member before removing the old), the last one ZRANGEBYSCORE returns wins; a wrong guess costs
 * one download, never stale data, because the cache files objects under the ETag S3 served.
 */
function etagsByBucket(members: string[]): Map<number, string> {
  const etags = new Map<number, string>();
  for (const member of members) {
    const separator = member.indexOf(':');
    const bucketStart = Number(member.slice(0, separator));
    if (separator > 0 && Number.isSafeInteger(bucketStart)) etags.set(bucketStart, member.slice(separator + 1));
  }
  return etags;
}

function sourceOf(inRedis: boolean, inS3: boolean): EnergySource {
  if (inRedis) return inS3 ? 'both' : 'redis';
  return inS3 ? 's3' : 'none';
}

/** "2026-11-02 (1793577600)", with the time of day for buckets shorter than a day. */
function bucketLabel(bucketStart: number): string {
  const iso = new Date(bucketStart * 1000).toISOString();
  return `${bucketStart % DAY_SECONDS === 0 ? iso.slice(0, 10) : `${iso.slice(0, 16)}Z`} (${bucketStart})`;
}

function failureReason(error: unknown, objectKey: string, bucket: string): string {
  if (error instanceof CorruptObjectError) return `object ${objectKey} is corrupt: ${error.message}`;
  if (error instanceof NoSuchKey) return `object ${objectKey} is missing in bucket ${bucket}`;
  if (error instanceof S3ServiceException) {
    return `S3 answered ${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'}) for object ${objectKey} in bucket ${bucket}`;
  }
  const { code, message } = error as Error & { code?: unknown };
  return `S3 is unreachable (${[code, message].filter((part) => typeof part === 'string' && part !== '').join(': ') || String(error)})`;
}

/** Runs `task` over `items` with at most `limit` running at once; `task` reports its own failures. */
async function forEachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
