import { leaseCheckLua } from './archive-lease-persist.js';
import type { EnergyBucketRef, KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/**
 * Hands a bucket over to S3 once its object is uploaded and verified. The list length read before
 * the upload is the proof that the object holds everything: if the ingest appended a reading since,
 * nothing is touched and the bucket stays pending, so the next pass uploads it with the late
 * reading. Otherwise, in one step, the list and its pending entry go and the archived index points
 * at the new object (one member per bucketStart, so an older ETag is replaced, never kept beside it).
 *
 * The archiver's fencing token is checked first: unless the lease still holds it, nothing changes
 * (a holder that lost its lease while uploading cannot delete what a newer holder took over).
 *
 * KEYS: bucket list, pending set, archived index, archiver lease. ARGV: list length at read time,
 * bucketStart, index member `<bucketStart>:<etag>`, fencing token. Reply: 1 finalized, 0 a reading
 * arrived meanwhile, -1 the lease is not this token's.
 */
export const FINALIZE_ARCHIVED_BUCKET_SCRIPT = `${leaseCheckLua('KEYS[4]', 'ARGV[4]')}
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], ARGV[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
`;

/**
 * Drops the pending entry of a list that no longer exists, unless the ingest recreated the list
 * between the read and now (its SADD would then be lost by a plain SREM).
 *
 * KEYS: bucket list, pending set. Reply: 1 entry removed, 0 the list exists again.
 */
export const FORGET_MISSING_BUCKET_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SREM', KEYS[2], KEYS[1])
return 1
`;

/** The archived index's member for one bucket: the query side tells object versions apart by the ETag. */
export function archivedIndexMember(bucketStart: number, etag: string): string {
  return `${bucketStart}:${etag}`;
}

export function finalizeArchivedBucket(keys: KeySchema, bucket: EnergyBucketRef, listLength: number, etag: string, token: number): RedisCommand {
  return [
    'eval',
    FINALIZE_ARCHIVED_BUCKET_SCRIPT,
    4,
    keys.energyBucket(bucket.deviceId, bucket.bucketStart),
    keys.energyPending,
    keys.meterArchived(bucket.deviceId),
    keys.archiveLease,
    listLength,
    bucket.bucketStart,
    archivedIndexMember(bucket.bucketStart, etag),
    token,
  ];
}

export function forgetMissingBucket(keys: KeySchema, bucket: EnergyBucketRef): RedisCommand {
  return ['eval', FORGET_MISSING_BUCKET_SCRIPT, 2, keys.energyBucket(bucket.deviceId, bucket.bucketStart), keys.energyPending];
}
