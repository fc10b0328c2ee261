import { Redis } from 'ioredis';
import { Unavailable } from '../domain/errors.js';
import { TurnBatchedRedis } from './turn-batched-redis.js';

export interface RedisConnectionOptions {
  /** Name shown in CLIENT LIST, so an operator can tell the workbench's connections apart. */
  connectionName: string;
  /**
   * Commands issued in one turn of the event loop go out in one write (TurnBatchedRedis): for many
   * small concurrent requests, such as the client API's, one round trip serves them all.
   */
  batchPerTurn?: boolean;
}

/**
 * A connection that fails commands at once while Redis is away (no offline queue): ingest keeps
 * its own bounded buffer and decides what to retry, so nothing piles up unseen inside the client.
 */
export function connectRedis(url: string, { connectionName, batchPerTurn = false }: RedisConnectionOptions): Redis {
  return new (batchPerTurn ? TurnBatchedRedis : Redis)(url, {
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
}

/** Connects, or fails with a message that says which Redis could not be reached and why. */
export async function openRedis(url: string, options: RedisConnectionOptions): Promise<Redis> {
  const redis = connectRedis(url, options);
  redis.on('error', () => {
    // Reconnection is handled by retryStrategy; the write buffer reports failures where they matter.
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Unavailable('redis', `cannot connect to Redis at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  return redis;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
