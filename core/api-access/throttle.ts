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
 * `<ns>:apiKeys:<keyId>:tps:<intervalStart>` gets INCR, EXPIRE 60 and GET in one pipeline. The
 * counter lives in Redis, so every API process sharing it sees the same count.
 */
export async function countRequest(redis: RedisClient, keys: KeySchema, keyId: string, limit: number, nowMs: number): Promise<ThrottleVerdict> {
  const now = Math.floor(nowMs / 1000);
  const intervalStart = now - (now % THROTTLE_INTERVAL_SECONDS);
  const counter = keys.apiKeyTps(keyId, intervalStart);
  const replies = await redis.pipeline().incr(counter).expire(counter, TPS_COUNTER_TTL_SECONDS).get(counter).exec();
  const failed = replies?.find(([error]) => error !== null);
  if (failed) throw failed[0]!;
  const count = Number(replies![2]![1]);
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds: intervalStart + THROTTLE_INTERVAL_SECONDS - now };
}
