import type { Redis } from 'ioredis';

/**
 * Every key under `prefix` with its type and full content, keyed by the name without the prefix,
 * so two data sets written under different prefixes can be compared with one toEqual.
 */
export async function snapshotKeys(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const snapshot: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    let content: unknown;
    if (type === 'string') content = await redis.get(key);
    else if (type === 'hash') content = await redis.hgetall(key);
    else if (type === 'zset') content = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') content = await redis.lrange(key, 0, -1);
    else if (type === 'set') content = (await redis.smembers(key)).sort();
    else content = `(unsupported type ${type})`;
    snapshot[key.slice(prefix.length)] = { type, content };
  }
  return snapshot;
}
