import type { RedisClient } from '../redis/redis-target.js';
import type { KeySchema } from '../model/keys.js';
import type { MeterList, MeterSummary } from '../api/energy.js';

const DEVICE_FIELDS = ['firstSeen', 'readings', 'transport'] as const;

/**
 * The most recently seen meters with their device hash and index sizes: two round trips however
 * many meters, the second a pipeline of one HMGET and two ZCARDs per meter.
 */
export async function listMeters(redis: RedisClient, keys: KeySchema, limit: number): Promise<MeterList> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`limit must be a whole number ≥ 1, got ${limit}`);
  const [flat, total] = await Promise.all([redis.zrevrange(keys.meters, 0, limit - 1, 'WITHSCORES'), redis.zcard(keys.meters)]);
  const seen: Array<{ deviceId: string; lastSeen: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) seen.push({ deviceId: flat[i]!, lastSeen: Number(flat[i + 1]) });
  if (seen.length === 0) return { meters: [], total };

  const pipeline = redis.pipeline();
  for (const { deviceId } of seen) {
    pipeline.hmget(keys.meterDevice(deviceId), ...DEVICE_FIELDS).zcard(keys.meterBuckets(deviceId)).zcard(keys.meterArchived(deviceId));
  }
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0]!;
  const meters = seen.map(({ deviceId, lastSeen }, index) =>
    summaryOf(deviceId, lastSeen, replies[index * 3]![1] as Array<string | null>, replies[index * 3 + 1]![1] as number, replies[index * 3 + 2]![1] as number),
  );
  return { meters, total };
}

/** One meter as the list shows it, or null when `<ns>:meters` does not know it. */
export async function meterSummary(redis: RedisClient, keys: KeySchema, deviceId: string): Promise<MeterSummary | null> {
  const [lastSeen, fields, buckets, archivedBuckets] = await Promise.all([
    redis.zscore(keys.meters, deviceId),
    redis.hmget(keys.meterDevice(deviceId), ...DEVICE_FIELDS),
    redis.zcard(keys.meterBuckets(deviceId)),
    redis.zcard(keys.meterArchived(deviceId)),
  ]);
  return lastSeen === null ? null : summaryOf(deviceId, Number(lastSeen), fields, buckets, archivedBuckets);
}

function summaryOf(deviceId: string, lastSeen: number, [firstSeen, readings, transport]: Array<string | null>, buckets: number, archivedBuckets: number): MeterSummary {
  return {
    deviceId,
    lastSeen,
    firstSeen: firstSeen ? Number(firstSeen) : null,
    readings: Number(readings ?? 0),
    transport: transport === 'udp' || transport === 'mqtt' ? transport : null,
    buckets,
    archivedBuckets,
  };
}
