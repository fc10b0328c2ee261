import type { Redis } from 'ioredis';
import { finalizeArchivedBucket, forgetMissingBucket } from '../model/energy-archive-persist.js';
import type { EnergyBucketRef, KeySchema } from '../model/keys.js';
import type { BucketEncoder } from './bucket-encoder.js';
import type { EnergyObjectStore } from './energy-object-store.js';
import { mergeReadings } from './merge-readings.js';
import { redisRequest } from './redis-request-error.js';

export interface BucketArchiveContext {
  redis: Redis;
  keys: KeySchema;
  /** The archiver lease's fencing token while this archiver holds it; null once it does not. */
  token: () => number | null;
  store: EnergyObjectStore;
  encoder: BucketEncoder;
  log: (line: string) => void;
  /** Runs between a verified upload and the Redis finalize; a seam for tests of what can happen there. */
  afterUpload?: (bucket: EnergyBucketRef) => Promise<void>;
}

/** A bucket whose object S3 verifiably holds, with what it took from Redis. */
export interface UploadedBucket {
  etag: string;
  /** LLEN of the list when it was read: the finalize only goes ahead if it is still that. */
  listLength: number;
  /** NDJSON and LZ4 bytes of the object (the merged one, for a bucket that got late readings). */
  bytesIn: number;
  bytesOut: number;
}

export type BucketOutcome =
  | ({ kind: 'archived' } & UploadedBucket)
  /** A reading arrived during the upload: nothing was removed, the next pass takes the bucket again. */
  | ({ kind: 'late' } & UploadedBucket)
  /** The list was gone (archived by another pass or deleted); its pending entry was dropped. */
  | { kind: 'missing' }
  /** This archiver lost the lease (its token is no longer the lease's): it changed nothing in Redis. */
  | { kind: 'stale' };

/**
 * Moves one bucket from Redis to S3. Redis is changed only after S3 verifiably holds every reading of
 * the list, and only if the list did not grow meanwhile; a crash anywhere leaves the list and its
 * pending entry in place, and the next pass uploads the same readings again over the same key.
 */
export async function archiveBucket(context: BucketArchiveContext, bucket: EnergyBucketRef): Promise<BucketOutcome> {
  const uploaded = await uploadBucket(context, bucket);
  if (uploaded === null) {
    await redisRequest('EVAL (drop pending entry)', context.redis.call(...forgetMissingBucket(context.keys, bucket)));
    return { kind: 'missing' };
  }
  await context.afterUpload?.(bucket);
  const token = context.token();
  if (token === null) return { kind: 'stale' };
  const finalized = await redisRequest('EVAL (finalize bucket)', context.redis.call(...finalizeArchivedBucket(context.keys, bucket, uploaded.listLength, uploaded.etag, token)));
  if (finalized === -1) return { kind: 'stale' };
  return { kind: finalized === 1 ? 'archived' : 'late', ...uploaded };
}

/**
 * The S3 half of archiveBucket: reads the list and, when the bucket was archived before, merges
 * the object's readings with the list's, then uploads and verifies. Null when the list is gone.
 */
export async function uploadBucket({ redis, keys, store, encoder, log }: BucketArchiveContext, bucket: EnergyBucketRef): Promise<UploadedBucket | null> {
  const [listed, archivedMembers] = await Promise.all([
    // As bytes: the common case uploads them as they are, without decoding 100+ KB to text and back.
    redisRequest('LRANGE', redis.lrangeBuffer(keys.energyBucket(bucket.deviceId, bucket.bucketStart), 0, -1)),
    redisRequest('ZRANGEBYSCORE', redis.zrangebyscore(keys.meterArchived(bucket.deviceId), bucket.bucketStart, bucket.bucketStart)),
  ]);
  if (listed.length === 0) return null;
  // Before the merge read too: a bucket listed as archived in a bucket that is gone (switched,
  // emptied) must be recreated, not reported as missing to a user who allowed creating it.
  await store.ensureBucket();
  let readings: ReadonlyArray<string | Buffer> = listed;
  if (archivedMembers.length > 0) {
    const archived = await store.readReadings(bucket);
    if (archived === null) log(`archive: ${store.objectKey(bucket)} is listed as archived but missing in S3; uploading the readings still in Redis`);
    readings = mergeReadings(archived ?? [], listed.map((line) => line.toString('utf8')));
  }
  const encoded = await encoder.encode(readings);
  const etag = await store.write(bucket, encoded, readings.length);
  return { etag, listLength: listed.length, bytesIn: encoded.rawBytes, bytesOut: encoded.body.length };
}
