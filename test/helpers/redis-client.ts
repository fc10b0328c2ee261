import { Redis } from 'ioredis';

/** A plain ioredis connection for a test to look at what landed in Redis (and subscribe). */
export function redisClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (attempt) => Math.min(50 * attempt, 500) });
  client.on('error', () => undefined);
  return client;
}

/** The four climate counters as numbers (a missing key counts 0) and their sum. */
export async function climateCounters(redis: Redis, prefix = ''): Promise<{ hot: number; warm: number; cool: number; cold: number; total: number }> {
  const [hot, warm, cool, cold] = (await redis.mget(`${prefix}climate:hot`, `${prefix}climate:warm`, `${prefix}climate:cool`, `${prefix}climate:cold`)).map(
    (value) => Number(value ?? 0),
  ) as [number, number, number, number];
  return { hot, warm, cool, cold, total: hot + warm + cool + cold };
}
