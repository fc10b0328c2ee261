import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeySchema } from '../../../core/model/keys.js';
import { listMeters } from '../../../core/query/meters.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

let server: TestRedis;
let redis: Redis;
const keys = createKeySchema({ keyPrefix: '', namespace: 'shop:prod' });

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

async function meter(deviceId: string, device: Record<string, string | number> | null, buckets: number[], archived: number[]): Promise<void> {
  const multi = redis.multi();
  if (device) multi.hset(keys.meterDevice(deviceId), device);
  const lastSeen = Number(device?.lastSeen ?? 1);
  multi.zadd(keys.meters, lastSeen, deviceId);
  for (const bucket of buckets) multi.zadd(keys.meterBuckets(deviceId), bucket, bucket);
  for (const bucket of archived) multi.zadd(keys.meterArchived(deviceId), bucket, `${bucket}:0123456789abcdef0123456789abcdef`);
  await multi.exec();
}

describe('listMeters', () => {
  it('lists the most recently seen meters first with their device hash and index sizes', async () => {
    await meter('D1', { kind: 'meter', firstSeen: 1_000, lastSeen: 5_000, readings: 288, transport: 'udp' }, [0, 86_400], [0]);
    await meter('D2', { kind: 'meter', firstSeen: 2_000, lastSeen: 9_000, readings: 12, transport: 'mqtt' }, [86_400], []);
    await meter('D3', { kind: 'meter', firstSeen: 500, lastSeen: 7_000, readings: 3000, transport: 'udp' }, [0, 86_400, 172_800], [0, 86_400]);
    // A production Redis may hold an index entry whose hash is gone.
    await meter('GHOST', null, [], []);

    expect(await listMeters(redis, keys, 2)).toEqual({
      meters: [
        { deviceId: 'D2', lastSeen: 9_000, firstSeen: 2_000, readings: 12, transport: 'mqtt', buckets: 1, archivedBuckets: 0 },
        { deviceId: 'D3', lastSeen: 7_000, firstSeen: 500, readings: 3000, transport: 'udp', buckets: 3, archivedBuckets: 2 },
      ],
      total: 4,
    });

    const all = await listMeters(redis, keys, 100);
    expect(all.meters.map((m) => m.deviceId)).toEqual(['D2', 'D3', 'D1', 'GHOST']);
    expect(all.meters[3]).toEqual({ deviceId: 'GHOST', lastSeen: 1, firstSeen: null, readings: 0, transport: null, buckets: 0, archivedBuckets: 0 });
  });

  it('answers an empty list when no meter has been seen', async () => {
    expect(await listMeters(redis, createKeySchema({ keyPrefix: '', namespace: 'empty:dev' }), 10)).toEqual({ meters: [], total: 0 });
  });

  it('refuses a limit below one (ZREVRANGE 0 -1 would list every meter)', async () => {
    await expect(listMeters(redis, keys, 0)).rejects.toThrow(/limit/);
  });
});
