import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';

/** The source paper's throttling interval. */
export const THROTTLE_INTERVAL_SECONDS = 5;
/** The paper's EXPIRE on each interval's counter: usage stays readable for a minute. */
export const TPS_COUNTER_TTL_SECONDS = 60;

export interface ThrottleVerdict {
  allowed: boolean;
  limit: number;
  /** Requests left in this interval. */
  remaining: number;
  /** Seconds until the next interval starts (1 to 5): RateLimit-Reset, and Retry-After when refused. */
  resetSeconds: number;
}

/**
 * One request against the key's limit, exactly as the source paper: the 5-second interval's counter
 * `<ns>:apiKeys:<keyId>:tps:<intervalStart>` gets INCR, EXPIRE 60 and GET, sent together without
 * waiting between them. The counter lives in Redis, so every API process sharing it sees the same
 * count. Issued as three commands rather than a pipeline object: on the client API's connection,
 * which batches each turn of the event loop into one write, they then share that write with the
 * other requests' commands of the same turn (a pipeline object is written on its own).
 */
export async function countRequest(redis: RedisClient, keys: KeySchema, keyId: string, limit: number, nowMs: number): Promise<ThrottleVerdict> {
  const now = Math.floor(nowMs / 1000);
  const intervalStart = now - (now % THROTTLE_INTERVAL_SECONDS);
  const counter = keys.apiKeyTps(keyId, intervalStart);
  const [, , value] = await Promise.all([redis.incr(counter), redis.expire(counter, TPS_COUNTER_TTL_SECONDS), redis.get(counter)]);
  const count = Number(value);
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds: intervalStart + THROTTLE_INTERVAL_SECONDS - now };
}
