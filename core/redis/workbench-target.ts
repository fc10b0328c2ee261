import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { connectionSettingsSchema, describeAddress, type ConnectionKind, type StoredSecrets } from '../domain/connection.js';
import { InvalidInput } from '../domain/errors.js';
import { openRedis, redactUrl } from './connect.js';
import { openTarget, type RedisClient, type RedisTargetSpec } from './redis-target.js';

/** What the ready line and the Overview call the workbench's own Redis. */
export type WorkbenchTargetKind = 'embedded' | ConnectionKind;

export interface WorkbenchTarget extends RedisTargetSpec {
  kind: WorkbenchTargetKind;
  /** For display: a URL without its password, or "cluster via …", "sentinel <name> via …". */
  address: string;
  /** The URL of a single server (embedded or --redis-url); null for a cluster or a sentinel set. */
  url: string | null;
}

/**
 * The workbench's own Redis from its settings: the embedded server (its URL), --redis-url,
 * --redis-cluster or --redis-sentinels, with the credentials and TLS files of the flags. TLS files
 * are read here, once, so the worker threads get their PEM text rather than paths.
 */
export function workbenchTarget(redis: Config['redis'], embeddedUrl: string | null, readOnly: boolean, parseUrl: (url: string) => { settings: { tls?: object }; password?: string }): WorkbenchTarget {
  const tls = {
    enabled: redis.tls || redis.url?.startsWith('rediss:') === true,
    ...(redis.tlsCaFile !== undefined && { ca: readPem(redis.tlsCaFile, 'redis.tlsCaFile') }),
    ...(redis.tlsCertFile !== undefined && { cert: readPem(redis.tlsCertFile, 'redis.tlsCertFile') }),
  };
  const secrets: StoredSecrets = {
    ...(redis.password !== undefined && { password: redis.password }),
    ...(redis.sentinelPassword !== undefined && { sentinelPassword: redis.sentinelPassword }),
    ...(redis.tlsKeyFile !== undefined && { tlsKey: readPem(redis.tlsKeyFile, 'redis.tlsKeyFile') }),
  };
  const common = { readOnly, ...(redis.username !== undefined && { username: redis.username }) };
  if (redis.cluster !== undefined) {
    const settings = connectionSettingsSchema.parse({
      ...common,
      name: 'Workbench Redis (--redis-cluster)',
      kind: 'cluster',
      tls,
      cluster: { seeds: redis.cluster, natMap: redis.clusterNatMap ?? [] },
    });
    return { kind: 'cluster', settings, secrets, address: describeAddress(settings), url: null };
  }
  if (redis.sentinels !== undefined) {
    const settings = connectionSettingsSchema.parse({
      ...common,
      name: 'Workbench Redis (--redis-sentinels)',
      kind: 'sentinel',
      tls,
      sentinel: {
        masterName: redis.sentinelMaster,
        nodes: redis.sentinels,
        tls: redis.sentinelTls,
        ...(redis.sentinelUsername !== undefined && { username: redis.sentinelUsername }),
      },
    });
    return { kind: 'sentinel', settings, secrets, address: describeAddress(settings), url: null };
  }
  const url = redis.url ?? embeddedUrl;
  if (url === null) throw new InvalidInput('no Redis to write to: neither the embedded one nor --redis-url');
  const { settings: fromUrl, password } = parseUrl(url);
  const settings = connectionSettingsSchema.parse({
    ...fromUrl,
    readOnly,
    name: redis.url === undefined ? 'Workbench Redis (embedded)' : 'Workbench Redis (--redis-url)',
    tls: { ...fromUrl.tls, ...tls },
  });
  return {
    kind: redis.url === undefined ? 'embedded' : 'standalone',
    settings,
    secrets: { ...secrets, ...(password !== undefined && { password }) },
    address: redactUrl(url),
    url,
  };
}

/**
 * The workbench's own client (pages, archiver, device registry, API keys): for a single server the
 * connection it always had (no offline queue: commands fail at once while Redis is away); for a
 * cluster or a sentinel set the same behaviour from openTarget's writer options.
 */
export async function openWorkbenchRedis(target: WorkbenchTarget, connectionName: string): Promise<RedisClient> {
  if (target.url !== null && !target.settings.tls.ca && !target.settings.tls.cert) return openRedis(target.url, { connectionName });
  const opened = await openTarget(target.settings, target.secrets, { connectionName, purpose: 'write' });
  return opened.client;
}

function readPem(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInput(`${setting}: cannot read ${path}: ${(error as Error).message}`, setting);
  }
}
