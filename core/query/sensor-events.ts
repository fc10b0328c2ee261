import type { RedisClient } from '../redis/redis-target.js';
import type { KeySchema } from '../model/keys.js';
import type { DeviceDetail, EventRange, EventSearch, RecentEvents, SensorEvent } from '../api/events.js';

/** The source document's redis-cli queries on SensorData and the device hashes, as API answers. */

function pairs(flat: string[]): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) events.push({ deviceId: flat[i]!, timestamp: Number(flat[i + 1]) });
  return events;
}

export async function recentEvents(redis: RedisClient, keys: KeySchema, limit: number): Promise<RecentEvents> {
  const [flat, total] = await Promise.all([
    redis.zrevrangebyscore(keys.sensorData, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, limit),
    redis.zcard(keys.sensorData),
  ]);
  return {
    events: pairs(flat),
    total,
    command: `ZREVRANGEBYSCORE ${keys.sensorData} +inf -inf WITHSCORES LIMIT 0 ${limit}`,
  };
}

export async function eventRange(redis: RedisClient, keys: KeySchema, from: number, to: number, limit: number): Promise<EventRange> {
  const flat = await redis.zrangebyscore(keys.sensorData, from, to, 'WITHSCORES', 'LIMIT', 0, limit + 1);
  const events = pairs(flat);
  return {
    events: events.slice(0, limit),
    truncated: events.length > limit,
    command: `ZRANGEBYSCORE ${keys.sensorData} ${from} ${to} WITHSCORES LIMIT 0 ${limit}`,
  };
}

export async function searchEvents(redis: RedisClient, keys: KeySchema, match: string, cursor: string, count: number): Promise<EventSearch> {
  const [next, flat] = await redis.zscan(keys.sensorData, cursor, 'MATCH', match, 'COUNT', count);
  return { events: pairs(flat), cursor: next, command: `ZSCAN ${keys.sensorData} ${cursor} MATCH ${match} COUNT ${count}` };
}

export async function deviceDetail(redis: RedisClient, keys: KeySchema, deviceId: string): Promise<DeviceDetail> {
  const key = keys.deviceHash(deviceId);
  return { deviceId, fields: await redis.hgetall(key), command: `HGETALL ${key}` };
}
