import type { RedisClient } from '../redis/redis-target.js';
import type { KeySchema } from '../model/keys.js';
import type { RejectedPayloads } from '../api/events.js';

export async function rejectedPayloads(redis: RedisClient, keys: KeySchema, limit: number): Promise<RejectedPayloads> {
  const [raw, counts, total] = await Promise.all([
    redis.lrange(keys.deadLetters, 0, limit - 1),
    redis.hgetall(keys.rejectedCounts),
    redis.llen(keys.deadLetters),
  ]);
  return {
    letters: raw.flatMap((entry) => {
      try {
        return [JSON.parse(entry) as RejectedPayloads['letters'][number]];
      } catch {
        return [];
      }
    }),
    countsByReason: Object.fromEntries(Object.entries(counts).map(([reason, count]) => [reason, Number(count)])),
    total,
  };
}
