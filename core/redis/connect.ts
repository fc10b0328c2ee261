import { Cluster, Redis } from 'ioredis';
import type { RedisClusterTarget } from '../config/schema.js';
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

/** Where ingest writes, in a form a worker thread can be sent: one server's URL, or a cluster's seeds. */
export type WriteTarget = { url: string } | { cluster: RedisClusterTarget };

/** The one server of a URL, or the cluster: connected and answering, or failing with a message that names it. */
export async function openWriteTarget(target: WriteTarget, options: RedisConnectionOptions): Promise<Redis | Cluster> {
  return 'url' in target ? openRedis(target.url, options) : openCluster(target.cluster, options);
}

/**
 * A cluster client that, like connectRedis, fails commands at once while a node is away and never
 * resends a write by itself: ioredis would resend a pipeline whose connection closed (its
 * retryDelayOnFailover), and a write a node applied before the close would then be applied twice
 * unseen. The cluster batch writer resends instead, and counts what that may repeat.
 */
export function connectCluster({ seeds, username, password, tls }: RedisClusterTarget, { connectionName, batchPerTurn = false }: RedisConnectionOptions): Cluster {
  return new Cluster(seeds, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // A cluster's nearest equivalent of one write per turn: ioredis groups each node's commands itself.
    enableAutoPipelining: batchPerTurn,
    retryDelayOnFailover: 0,
    clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    redisOptions: {
      connectionName,
      maxRetriesPerRequest: 0,
      ...(username !== undefined && { username }),
      ...(password !== undefined && { password }),
      ...(tls && { tls: {} }),
    },
  });
}

export async function openCluster(target: RedisClusterTarget, options: RedisConnectionOptions): Promise<Cluster> {
  const cluster = connectCluster(target, options);
  cluster.on('error', () => {
    // The client reconnects to each node by itself; the write buffer reports failures where they matter.
  });
  try {
    await cluster.connect();
    await cluster.ping();
  } catch (error) {
    cluster.disconnect();
    throw new Unavailable('redis', `cannot connect to the Redis Cluster at ${describeCluster(target)}: ${(error as Error).message}`, { cause: error });
  }
  return cluster;
}

/** The seeds as the user gave them, without the password. */
export function describeCluster({ seeds, tls, username }: RedisClusterTarget): string {
  const nodes = seeds.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',');
  return `${tls ? 'rediss' : 'redis'}://${username !== undefined ? `${username}:***@` : ''}${nodes}`;
}

/**
 * The client itself on a single server; on a cluster its first master. The parts that read and
 * write across many keys (the archiver, the pages) are refused on a cluster (core/config/schema.ts), yet
 * a process still builds its archiver object, idle; it gets a node it never writes to.
 */
export function oneServerOf(client: Redis | Cluster): Redis {
  return client instanceof Cluster ? client.nodes('master')[0]! : client;
}
