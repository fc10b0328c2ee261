import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { finalizeArchivedBucket, forgetMissingBucket } from '../../../core/model/energy-archive-persist.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { snapshotKeys } from '../../helpers/redis-snapshot.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

/** The scripts that hand a bucket over to S3, against a real redis-server. */

const keys = createKeySchema({ keyPrefix: '', namespace: 'backend:test' });
const bucket = { deviceId: 'D1', bucketStart: 86_400 };
const list = keys.energyBucket('D1', 86_400);

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
  await redis.rpush(list, 'a', 'b', 'c');
  await redis.sadd(keys.energyPending, list, keys.energyBucket('D2', 0));
  await redis.set(keys.archiveLease, JSON.stringify({ token: 7, holder: 'test', host: 'here', pid: 1, since: 0 }));
});

describe('finalizeArchivedBucket', () => {
  it('removes the list and its pending entry and puts the one index member of that bucket', async () => {
    await redis.zadd(keys.meterArchived('D1'), 86_400, '86400:old-etag', 172_800, '172800:other');

    expect(await redis.call(...finalizeArchivedBucket(keys, bucket, 3, 'new-etag', 7))).toBe(1);

    expect(await redis.exists(list)).toBe(0);
    expect(await redis.smembers(keys.energyPending)).toEqual([keys.energyBucket('D2', 0)]);
    expect(await redis.zrange(keys.meterArchived('D1'), 0, -1, 'WITHSCORES')).toEqual(['86400:new-etag', '86400', '172800:other', '172800']);
  });

  it('touches nothing when the list grew since it was read', async () => {
    await redis.zadd(keys.meterArchived('D1'), 86_400, '86400:old-etag');
    const before = await snapshotKeys(redis, '');

    expect(await redis.call(...finalizeArchivedBucket(keys, bucket, 2, 'etag', 7))).toBe(0);

    expect(await snapshotKeys(redis, '')).toEqual(before);
  });

  it('touches nothing for a holder whose token is no longer the lease\'s (-1), or when nobody holds it', async () => {
    const before = await snapshotKeys(redis, '');

    expect(await redis.call(...finalizeArchivedBucket(keys, bucket, 3, 'etag', 6))).toBe(-1);
    await redis.del(keys.archiveLease);
    expect(await redis.call(...finalizeArchivedBucket(keys, bucket, 3, 'etag', 7))).toBe(-1);

    expect(await snapshotKeys(redis, '')).toEqual({ ...before, [keys.archiveLease]: undefined });
  });
});

describe('forgetMissingBucket', () => {
  it('drops the pending entry of a list that does not exist', async () => {
    await redis.del(list);

    expect(await redis.call(...forgetMissingBucket(keys, bucket))).toBe(1);

    expect(await redis.smembers(keys.energyPending)).toEqual([keys.energyBucket('D2', 0)]);
  });

  it('keeps the entry when the list exists again', async () => {
    expect(await redis.call(...forgetMissingBucket(keys, bucket))).toBe(0);

    expect(await redis.sismember(keys.energyPending, list)).toBe(1);
  });
});
