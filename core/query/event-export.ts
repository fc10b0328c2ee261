import type { ExportRow } from '../api/export.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';

const PAGE_SIZE = Number(process.env.PAGE ?? 1000);

/**
 * Every SensorData entry with from ≤ score ≤ to, oldest first, each with its device hash's fields,
 * one page of ZRANGE and one pipeline of HGETALL at a time, so a million rows never sit in memory:
 * the next page is read only when the consumer asks for more. Pages go by rank (ZRANGE by index
 * costs log N per page, where LIMIT offset would cost the offset); entries that moved out of the
 * range while the export ran are skipped.
 */
export async function* sensorEventRows(redis: RedisClient, keys: KeySchema, from: number, to: number): AsyncGenerator<ExportRow[]> {
  const first = await redis.zcount(keys.sensorData, '-inf', `(${from}`);
  const last = (await redis.zcount(keys.sensorData, '-inf', to)) - 1;
  for (let start = first; start <= last; start += PAGE_SIZE) {
    const flat = await redis.zrange(keys.sensorData, start, Math.min(start + PAGE_SIZE, last + 1) - 1, 'WITHSCORES');
    const entries: Array<{ deviceId: string; score: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ deviceId: flat[i]!, score: Number(flat[i + 1]) });
    const hashes = await deviceHashes(redis, keys, entries.map(({ deviceId }) => deviceId));
    const rows = entries.flatMap(({ deviceId, score }, index) => (score < from || score > to ? [] : [{ deviceId, score, ...hashes[index] }]));
    if (rows.length > 0) yield rows;
  }
}

async function deviceHashes(redis: RedisClient, keys: KeySchema, deviceIds: string[]): Promise<Array<Record<string, string>>> {
  const pipeline = redis.pipeline();
  for (const deviceId of deviceIds) pipeline.hgetall(keys.deviceHash(deviceId));
  const answers = (await pipeline.exec()) ?? [];
  return answers.map(([error, fields]) => {
    if (error) throw error;
    return fields as Record<string, string>;
  });
}
