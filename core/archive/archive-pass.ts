import type { Redis } from 'ioredis';
import { isStale } from '../model/energy-bucket.js';
import type { EnergyBucketRef, KeySchema } from '../model/keys.js';
import type { ArchiveProgress } from '../api/archive.js';
import type { BucketOutcome } from './bucket-archive.js';
import { CorruptObjectError } from './energy-object.js';
import { UploadMismatchError } from './energy-object-store.js';
import { redisRequest } from './redis-request-error.js';

export interface ArchivePassOptions {
  redis: Redis;
  keys: KeySchema;
  bucketSeconds: number;
  graceSeconds: number;
  nowSeconds: number;
  scanCount: number;
  concurrency: number;
  /** Updated as the pass goes, so status() can show it while it runs. */
  progress: ArchiveProgress;
  archiveOne: (bucket: EnergyBucketRef) => Promise<BucketOutcome>;
  /** True once the archiver is stopping: no further bucket is started. */
  stopping: () => boolean;
  /** A pending entry that is not a bucket list of this namespace; it is left alone. */
  onForeignEntry: (name: string) => void;
  log: (line: string) => void;
}

/**
 * One walk over the pending set, SSCAN step by step, archiving stale buckets `concurrency` at a time
 * while the scan goes on. A failure of one bucket's content (a corrupt archived object, an upload
 * S3 holds differently) counts as failed and the pass goes on; any other failure (S3 or Redis away,
 * credentials refused, bucket missing) would fail every bucket alike, so the pass stops starting
 * buckets, lets the ones in flight finish, and throws it.
 */
export async function runArchivePass(options: ArchivePassOptions): Promise<void> {
  const { progress, concurrency } = options;
  const inFlight = new Set<Promise<void>>();
  let stopCause: { error: unknown } | null = null;
  const halted = () => stopCause !== null || options.stopping();

  const start = (bucket: EnergyBucketRef) => {
    const task = options
      .archiveOne(bucket)
      .then(
        (outcome) => count(progress, outcome),
        (error: unknown) => {
          if (!isBucketOnlyFailure(error)) {
            stopCause ??= { error };
            return;
          }
          progress.bucketsFailed += 1;
          options.log(`archive: ${options.keys.energyBucket(bucket.deviceId, bucket.bucketStart)} stays in Redis: ${(error as Error).message}`);
        },
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  try {
    for await (const bucket of staleBuckets(options, halted)) {
      progress.bucketsTotal += 1;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (halted()) break;
      start(bucket);
    }
  } catch (error) {
    stopCause ??= { error };
  } finally {
    await Promise.all(inFlight);
  }
  if (stopCause !== null) throw stopCause.error;
}

/**
 * The stale buckets of the pending set, each once, fetched one SSCAN step at a time as they are
 * consumed; a halted pass stops scanning at the next step even when no stale bucket follows.
 */
async function* staleBuckets(options: ArchivePassOptions, halted: () => boolean): AsyncGenerator<EnergyBucketRef> {
  const { redis, keys, progress } = options;
  // SSCAN may return an entry more than once within one iteration.
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, names] = await redisRequest('SSCAN', redis.sscan(keys.energyPending, cursor, 'COUNT', options.scanCount));
    cursor = next;
    for (const name of names) {
      const bucket = bucketOf(keys, name);
      if (bucket === null) {
        options.onForeignEntry(name);
        continue;
      }
      if (seen.has(name) || !isStale(bucket.bucketStart, options.bucketSeconds, options.graceSeconds, options.nowSeconds)) continue;
      seen.add(name);
      yield bucket;
    }
  } while (cursor !== '0' && !halted());
  progress.scanComplete = cursor === '0';
}

/** The bucket a pending entry names; null unless it is exactly the name the key schema gives that bucket. */
export function bucketOf(keys: KeySchema, name: string): EnergyBucketRef | null {
  const bucket = keys.parseEnergyBucket(name);
  if (bucket === null || keys.energyBucket(bucket.deviceId, bucket.bucketStart) !== name) return null;
  return bucket;
}

function count(progress: ArchiveProgress, outcome: BucketOutcome): void {
  if (outcome.kind === 'stale') {
    progress.bucketsFailed += 1;
    return;
  }
  if (outcome.kind === 'missing') {
    progress.bucketsDone += 1;
    return;
  }
  if (outcome.kind === 'late') {
    progress.bucketsLate += 1;
    return;
  }
  progress.bucketsDone += 1;
  progress.readings += outcome.listLength;
  progress.bytesIn += outcome.bytesIn;
  progress.bytesOut += outcome.bytesOut;
}

function isBucketOnlyFailure(error: unknown): boolean {
  return error instanceof CorruptObjectError || error instanceof UploadMismatchError;
}
