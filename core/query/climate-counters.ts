import type { RedisClient } from '../redis/redis-target.js';
import { CLIMATES } from '../model/climate.js';
import type { KeySchema } from '../model/keys.js';
import type { ClimateCounters } from '../api/events.js';

export async function climateCounters(redis: RedisClient, keys: KeySchema): Promise<ClimateCounters> {
  const values = await redis.mget(...CLIMATES.map((climate) => keys.climateCounter(climate)));
  const counters = { hot: 0, warm: 0, cool: 0, cold: 0 };
  CLIMATES.forEach((climate, index) => (counters[climate] = Number(values[index] ?? 0)));
  return { counters, at: Date.now() };
}
