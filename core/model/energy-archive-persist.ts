import { fenceCheckLua, leaseCheckLua } from './archive-lease-persist.js';
import { keySlot } from './key-slot.js';
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

/**
 * On a cluster, the finalize in steps of one slot each, in an order no reader can fall between:
 * (1) the archived index points at the new object, (2) the list goes if it did not grow, (3) its
 * pending entry goes (and comes back if the ingest recreated the list meanwhile). The energy query
 * reads the lists before the index, so a bucket is always in one of them (or both: merged, the
 * duplicates dropped). Steps 1 and 2 check the fence of their slot: a holder whose token a newer
 * holder's claim overtook changes nothing.
 *
 * KEYS: archived index, its slot's fence. ARGV: token, bucketStart, member. Reply: 1, or -1 stale.
 */
const INDEX_ARCHIVED_BUCKET_SCRIPT = `${fenceCheckLua('KEYS[2]', 'ARGV[1]')}
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
`;

/** KEYS: bucket list, its slot's fence. ARGV: token, list length at read time. Reply: 1 deleted, 0 it grew, -1 stale. */
const DELETE_ARCHIVED_LIST_SCRIPT = `${fenceCheckLua('KEYS[2]', 'ARGV[1]')}
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

export function indexArchivedBucketCommand(keys: KeySchema, bucket: EnergyBucketRef, etag: string, token: number): RedisCommand {
  const index = keys.meterArchived(bucket.deviceId);
  return ['eval', INDEX_ARCHIVED_BUCKET_SCRIPT, 2, index, keys.archiveFence(keySlot(index)), token, bucket.bucketStart, archivedIndexMember(bucket.bucketStart, etag)];
}

export function deleteArchivedListCommand(keys: KeySchema, bucket: EnergyBucketRef, listLength: number, token: number): RedisCommand {
  const list = keys.energyBucket(bucket.deviceId, bucket.bucketStart);
  return ['eval', DELETE_ARCHIVED_LIST_SCRIPT, 2, list, keys.archiveFence(keySlot(list)), token, listLength];
}

export function forgetMissingBucket(keys: KeySchema, bucket: EnergyBucketRef): RedisCommand {
  return ['eval', FORGET_MISSING_BUCKET_SCRIPT, 2, keys.energyBucket(bucket.deviceId, bucket.bucketStart), keys.energyPending];
}
