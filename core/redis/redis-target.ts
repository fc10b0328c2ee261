import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionSettings } from '../domain/connection.js';
import { formatHostPort, type StoredSecrets } from '../domain/connection.js';
import { Unavailable } from '../domain/errors.js';

/** A client to any Redis the workbench inspects: one server (direct or found through Sentinel) or a cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  client: RedisClient;
  /** The clients of the master nodes: one for a single server, one per master on a cluster (SCAN and DBSIZE act per node). */
  masters(): Redis[];
  close(): Promise<void>;
}

export interface OpenTargetOptions {
  /** Shown in CLIENT LIST, so an operator can tell the workbench's connections apart. */
  connectionName: string;
}

/** Connects and answers PING, or fails with a message that names the address and the cause. */
export async function openTarget(settings: ConnectionSettings, secrets: StoredSecrets, { connectionName }: OpenTargetOptions): Promise<RedisTarget> {
  const client = createClient(settings, secrets, connectionName);
  // The socket's own error (ECONNREFUSED, a TLS alert) arrives as an event; connect() only says "closed".
  let socketError: Error | null = null;
  const remember = (error: Error) => (socketError = error);
  client.on('error', remember);
  try {
    await client.connect();
    await answers(client);
  } catch (error) {
    client.disconnect();
    // The socket's error says more than "Connection is closed"; both are kept.
    const reason = describeFailure(socketError ?? (error as Error), settings);
    throw new Unavailable('redis', `cannot connect to ${settings.name}: ${reason}`, { cause: error });
  } finally {
    client.off('error', remember);
  }
  // Later errors surface on the commands that meet them; the client keeps reconnecting on its own.
  client.on('error', () => undefined);
  return {
    client,
    masters: () => (client instanceof Cluster ? client.nodes('master') : [client]),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * PING, where a NOPERM refusal counts as an answer: a user limited by ACL to +@read may not PING,
 * and is still connected and authenticated.
 */
async function answers(client: RedisClient): Promise<void> {
  try {
    await client.ping();
  } catch (error) {
    if (error instanceof ReplyError && (error as Error).message.startsWith('NOPERM')) return;
    throw error;
  }
}

function createClient(settings: ConnectionSettings, secrets: StoredSecrets, connectionName: string): RedisClient {
  const server = serverOptions(settings, secrets, connectionName);
  if (settings.kind === 'cluster') {
    const cluster = settings.cluster!;
    const options: ClusterOptions = {
      lazyConnect: true,
      redisOptions: server,
      slotsRefreshTimeout: settings.connectTimeoutMs,
      clusterRetryStrategy: (attempt) => Math.min(200 * attempt, 2000),
      // Managed clusters announce names their certificates carry; resolving them first would break the TLS name check.
      ...(settings.tls.enabled && { dnsLookup: (address, callback) => callback(null, address) }),
      ...(cluster.natMap.length > 0 && {
        natMap: Object.fromEntries(cluster.natMap.map(({ from, to }) => [`${from.host}:${from.port}`, { host: to.host, port: to.port }])),
      }),
    };
    return new Cluster(cluster.seeds, options);
  }
  if (settings.kind === 'sentinel') {
    const sentinel = settings.sentinel!;
    return new Redis({
      ...server,
      sentinels: sentinel.nodes,
      name: sentinel.masterName,
      role: 'master',
      ...(sentinel.username !== undefined && { sentinelUsername: sentinel.username }),
      ...(secrets.sentinelPassword !== undefined && { sentinelPassword: secrets.sentinelPassword }),
      ...(sentinel.tls && { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(settings, secrets) }),
      // Follows a failover as soon as the sentinels announce it, not at the next broken connection.
      failoverDetector: true,
      sentinelRetryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    });
  }
  return new Redis({ ...server, host: settings.host, port: settings.port });
}

function serverOptions(settings: ConnectionSettings, secrets: StoredSecrets, connectionName: string): RedisOptions {
  return {
    lazyConnect: true,
    connectionName,
    // The ready check is INFO, which an ACL user limited to +@read may not run (ioredis then warns on the console).
    enableReadyCheck: false,
    ...(settings.username !== undefined && { username: settings.username }),
    ...(secrets.password !== undefined && { password: secrets.password }),
    db: settings.db,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    // A page waits for a reconnect (a failover, a blip) for at most one retry, then shows the error.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    // After a failover the old master answers READONLY to writes until the client moves on: reconnect.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...(settings.tls.enabled && { tls: tlsOptions(settings, secrets) }),
  };
}

function tlsOptions({ tls, host }: ConnectionSettings, secrets: StoredSecrets): ConnectionOptions {
  return {
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(secrets.tlsKey !== undefined && { key: secrets.tlsKey }),
    servername: tls.servername ?? host,
    rejectUnauthorized: tls.verify,
    ...(!tls.verify && { checkServerIdentity: () => undefined }),
  };
}

/** The usual causes, each said in the words a user would search for. */
function describeFailure(error: Error, settings: ConnectionSettings): string {
  const where = settings.kind === 'standalone' ? formatHostPort(settings) : settings.kind;
  const message = error.message;
  if (/ECONNREFUSED/.test(message)) return `${where} refused the connection (nothing listening there, or a firewall)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `${where}: the host name does not resolve`;
  if (/ETIMEDOUT|timed? ?out/i.test(message)) return `${where} did not answer within ${settings.connectTimeoutMs} ms`;
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(message)) return `${where} refused the credentials (${message})`;
  if (/certificate|self[- ]signed|SSL|TLS|alert/i.test(message)) return `TLS with ${where} failed: ${message}`;
  return `${where}: ${message}`;
}
