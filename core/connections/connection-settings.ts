import { z } from 'zod';
import { DEFAULT_NAMESPACE } from '../model/keys.js';
import type { ConnectionInput, ConnectionSecrets, ConnectionSettings, SchemaMapping } from '../server/contract.js';

/**
 * A saved connection's settings: every field has its default and its validation here, for what
 * the UI sends, what the connections file holds and what a pasted URL turns into.
 */

const port = z.int().min(1).max(65535);
const host = z.string().trim().min(1).max(255).regex(/^[^\s/]+$/, { message: 'must be a host name or address' });
const hostPort = z.strictObject({ host, port });
const pem = z
  .string()
  .trim()
  .max(65_536)
  .regex(/^-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----$/, { message: 'must be PEM text (-----BEGIN …-----)' });
/** A key name part: free text, but no white space, which redis-cli users could not type either. */
const nameSegment = z.string().max(256).regex(/^[^\s]*$/, { message: 'must not contain white space' });

export const DEFAULT_SCHEMA_MAPPING: SchemaMapping = {
  keyPrefix: '',
  namespace: DEFAULT_NAMESPACE,
  sensorData: 'SensorData',
  climatePrefix: 'climate:',
  devicePrefix: '',
  warningsChannel: 'Warnings',
};

const schemaMapping = z.strictObject({
  keyPrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.keyPrefix),
  namespace: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.namespace),
  sensorData: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.sensorData),
  climatePrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.climatePrefix),
  devicePrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.devicePrefix),
  warningsChannel: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.warningsChannel),
});

const tls = z.strictObject({
  enabled: z.boolean().default(false),
  ca: pem.optional(),
  cert: pem.optional(),
  servername: host.optional(),
  verify: z.boolean().default(true),
});

const sentinel = z.strictObject({
  masterName: z.string().trim().min(1).max(256),
  nodes: z.array(hostPort).min(1, { message: 'needs at least one sentinel' }).max(32),
  username: z.string().min(1).max(256).optional(),
  tls: z.boolean().default(false),
});

const cluster = z.strictObject({
  seeds: z.array(hostPort).min(1, { message: 'needs at least one seed node' }).max(64),
  natMap: z.array(z.strictObject({ from: hostPort, to: hostPort })).max(1024).default([]),
});

export const connectionSettingsSchema = z
  .strictObject({
    name: z.string().trim().min(1, { message: 'is required' }).max(100),
    kind: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    host: host.default('127.0.0.1'),
    port: port.default(6379),
    username: z.string().min(1).max(256).optional(),
    db: z.int().min(0).max(15).default(0),
    tls: tls.prefault({}),
    connectTimeoutMs: z.int().min(100).max(120_000).default(5000),
    commandTimeoutMs: z.int().min(100).max(600_000).default(10_000),
    sentinel: sentinel.optional(),
    cluster: cluster.optional(),
    readOnly: z.boolean().default(true),
    schema: schemaMapping.prefault({}),
  })
  .check((context) => {
    const { kind, sentinel, cluster, db } = context.value;
    if (kind === 'sentinel' && !sentinel) context.issues.push({ code: 'custom', path: ['sentinel'], message: 'is required for a sentinel connection', input: context.value });
    if (kind === 'cluster' && !cluster) context.issues.push({ code: 'custom', path: ['cluster'], message: 'is required for a cluster connection', input: context.value });
    // A cluster has only database 0; asking for another would fail only at the first command.
    if (kind === 'cluster' && db !== 0) context.issues.push({ code: 'custom', path: ['db'], message: 'must be 0 on a cluster', input: context.value });
  });

const secret = z.string().min(1).max(65_536).nullable().optional();
export const connectionSecretsSchema = z.strictObject({
  password: secret,
  sentinelPassword: secret,
  tlsKey: pem.nullable().optional(),
});

export const connectionInputSchema = z.looseObject({
  url: z.string().max(4096).optional(),
  secrets: connectionSecretsSchema.optional(),
});

/** Secrets as stored after decryption: only the ones that are set. */
export interface StoredSecrets {
  password?: string;
  sentinelPassword?: string;
  tlsKey?: string;
}

export class InvalidConnection extends Error {}

/**
 * Turns what a client sent into settings and the secret changes: fields from a pasted URL win over
 * the ones beside it, so "paste a URL" does what it says; `base` supplies what an edit leaves out.
 */
export function settingsFromInput(input: unknown, base: Partial<ConnectionSettings> = {}): { settings: ConnectionSettings; secrets: ConnectionSecrets } {
  const envelope = connectionInputSchema.safeParse(input);
  if (!envelope.success) throw new InvalidConnection(describeIssue(envelope.error));
  const { url, secrets = {}, ...fields } = envelope.data as ConnectionInput & Record<string, unknown>;
  const fromUrl = url === undefined ? null : parseRedisUrl(url);
  const merged = {
    ...base,
    ...fields,
    ...fromUrl?.settings,
    tls: { ...base.tls, ...(fields.tls as object | undefined), ...fromUrl?.settings.tls },
    schema: { ...base.schema, ...(fields.schema as object | undefined) },
  };
  const parsed = connectionSettingsSchema.safeParse(withoutCleared(merged));
  if (!parsed.success) throw new InvalidConnection(describeIssue(parsed.error));
  const settings = parsed.data as ConnectionSettings;
  return { settings, secrets: { ...(secrets as ConnectionSecrets), ...(fromUrl?.password !== undefined && { password: fromUrl.password }) } };
}

/** Optional settings an edit unsets by sending '' or null, which a merge with the stored ones could not otherwise express. */
function withoutCleared(settings: Record<string, unknown> & { tls: Record<string, unknown> }): Record<string, unknown> {
  const cleared = (value: unknown) => value === '' || value === null;
  const drop = (object: Record<string, unknown>, names: string[]) =>
    Object.fromEntries(Object.entries(object).filter(([name, value]) => !(names.includes(name) && cleared(value))));
  const sentinel = settings.sentinel as Record<string, unknown> | undefined;
  return {
    ...drop(settings, ['username']),
    tls: drop(settings.tls, ['ca', 'cert', 'servername']),
    ...(sentinel && { sentinel: drop(sentinel, ['username']) }),
  };
}

interface ParsedUrl {
  settings: Partial<Omit<ConnectionSettings, 'tls'>> & { tls: { enabled: boolean } };
  password?: string;
}

/** redis://[[user]:password@]host[:port][/db] and rediss://… (TLS), as redis-cli -u reads them. */
export function parseRedisUrl(text: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InvalidConnection('url: is not a URL (expected redis://host:port or rediss://host:port)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new InvalidConnection(`url: ${url.protocol}// is not redis:// or rediss://`);
  if (!url.hostname) throw new InvalidConnection('url: has no host');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new InvalidConnection(`url: "/${db}" is not a database number`);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    settings: {
      kind: 'standalone',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 6379,
      ...(username && { username }),
      ...(db !== '' && { db: Number(db) }),
      tls: { enabled: url.protocol === 'rediss:' },
    },
    ...(password && { password }),
  };
}

/** Where a connection points, for display: never carries credentials. */
export function describeAddress(settings: ConnectionSettings): string {
  if (settings.kind === 'sentinel' && settings.sentinel) {
    return `sentinel ${settings.sentinel.masterName} via ${settings.sentinel.nodes.map(formatHostPort).join(', ')}`;
  }
  if (settings.kind === 'cluster' && settings.cluster) return `cluster via ${settings.cluster.seeds.map(formatHostPort).join(', ')}`;
  const scheme = settings.tls.enabled ? 'rediss' : 'redis';
  return `${scheme}://${formatHostPort(settings)}${settings.db === 0 ? '' : `/${settings.db}`}`;
}

export function formatHostPort({ host, port }: { host: string; port: number }): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'connection'}: ${issue.message}`;
}
