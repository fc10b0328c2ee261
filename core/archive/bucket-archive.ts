import { bucketFenceKeys, claimFenceCommand } from '../model/archive-lease-persist.js';
import { deleteArchivedListCommand, finalizeArchivedBucket, forgetMissingBucket, indexArchivedBucketCommand } from '../model/energy-archive-persist.js';
import type { EnergyBucketRef, KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import { isCluster, type RedisClient } from '../redis/redis-target.js';
import type { BucketEncoder } from './bucket-encoder.js';
import type { EnergyObjectStore } from './energy-object-store.js';
import { mergeReadings } from './merge-readings.js';
import { redisRequest } from './redis-request-error.js';

export interface BucketArchiveContext {
  redis: RedisClient;
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
  /** This archiver lost the lease (its token is no longer the newest): it changed nothing in Redis. */
  | { kind: 'stale' };

/**
 * Moves one bucket from Redis to S3. Redis is changed only after S3 verifiably holds every reading of
 * the list, and only if the list did not grow meanwhile; a crash anywhere leaves the list and its
 * pending entry in place, and the next pass uploads the same readings again over the same key.
 */
export async function archiveBucket(context: BucketArchiveContext, bucket: EnergyBucketRef): Promise<BucketOutcome> {
  const cluster = isCluster(context.redis);
  // On a cluster the delete scripts cannot read the lease (another slot): the bucket's slots keep the highest token that claimed them.
  if (cluster && !(await claimFences(context, bucket))) return { kind: 'stale' };
  const uploaded = await uploadBucket(context, bucket);
  if (uploaded === null) {
    if (cluster) await forgetOnCluster(context, bucket);
    else await redisRequest('EVAL (drop pending entry)', send(context, forgetMissingBucket(context.keys, bucket)));
    return { kind: 'missing' };
  }
  await context.afterUpload?.(bucket);
  const token = context.token();
  if (token === null) return { kind: 'stale' };
  if (cluster) return finalizeOnCluster(context, bucket, uploaded, token);
  const finalized = await redisRequest('EVAL (finalize bucket)', send(context, finalizeArchivedBucket(context.keys, bucket, uploaded.listLength, uploaded.etag, token)));
  if (finalized === -1) return { kind: 'stale' };
  return { kind: finalized === 1 ? 'archived' : 'late', ...uploaded };
}

/** Raises the fences of the bucket's list and index slots to this archiver's token; false when a newer holder's token is there. */
async function claimFences(context: BucketArchiveContext, bucket: EnergyBucketRef): Promise<boolean> {
  const token = context.token();
  if (token === null) return false;
  const claims = await Promise.all(bucketFenceKeys(context.keys, bucket).map((fence) => redisRequest('EVAL (claim fence)', send(context, claimFenceCommand(fence, token)))));
  return claims.every((claimed) => claimed === 1);
}

/** The finalize in one-slot steps (see indexArchivedBucketCommand): index, then the list, then its pending entry. */
async function finalizeOnCluster(context: BucketArchiveContext, bucket: EnergyBucketRef, uploaded: UploadedBucket, token: number): Promise<BucketOutcome> {
  const { keys } = context;
  if ((await redisRequest('EVAL (index archived bucket)', send(context, indexArchivedBucketCommand(keys, bucket, uploaded.etag, token)))) === -1) return { kind: 'stale' };
  const deleted = await redisRequest('EVAL (delete archived list)', send(context, deleteArchivedListCommand(keys, bucket, uploaded.listLength, token)));
  if (deleted === -1) return { kind: 'stale' };
  if (deleted === 0) return { kind: 'late', ...uploaded };
  await forgetOnCluster(context, bucket);
  return { kind: 'archived', ...uploaded };
}

/**
 * Drops the pending entry of a list that is gone; if the ingest recreated the list meanwhile, the
 * entry goes back (the ingest adds its own entry only after its RPUSH, so one of the two re-adds it).
 */
async function forgetOnCluster({ redis, keys }: BucketArchiveContext, bucket: EnergyBucketRef): Promise<void> {
  const list = keys.energyBucket(bucket.deviceId, bucket.bucketStart);
  await redisRequest('SREM', redis.srem(keys.energyPending, list));
  if ((await redisRequest('EXISTS', redis.exists(list))) === 1) await redisRequest('SADD', redis.sadd(keys.energyPending, list));
}

function send({ redis }: BucketArchiveContext, [name, ...args]: RedisCommand): Promise<unknown> {
  return redis.call(name, ...args);
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
