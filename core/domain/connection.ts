import { z } from 'zod';

/**
 * A Redis connection as the workbench saves it: where it points, how it authenticates, how its keys
 * are named. Every field has its default and its validation here, for what the UI sends, what the
 * connections file holds and what a pasted URL turns into; the types are inferred from the schemas.
 */

/** The smart-meter namespace of the AWS article, `<app>:<env>`. */
export const DEFAULT_NAMESPACE = 'backend:dev';

const port = z.int().min(1).max(65535);
const host = z.string().trim().min(1).max(255).regex(/^[^\s/]+$/, { message: 'must be a host name or address' });
const hostPortSchema = z.strictObject({ host, port });
export type HostPort = z.infer<typeof hostPortSchema>;

const pem = z
  .string()
  .trim()
  .max(65_536)
  .regex(/^-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----$/, { message: 'must be PEM text (-----BEGIN …-----)' });
/** A key name part: free text, but no white space, which redis-cli users could not type either. */
const nameSegment = z.string().max(256).regex(/^[^\s]*$/, { message: 'must not contain white space' });

/**
 * How the data model's keys are named on this connection, so the dashboards can read a Redis that
 * names things differently. The defaults are the source documents' names.
 */
export const DEFAULT_SCHEMA_MAPPING = {
  /** In front of every thermostat key (SensorData, climate counters, device hashes, Warnings). */
  keyPrefix: '',
  /** The smart-meter namespace, `<app>:<env>`. */
  namespace: DEFAULT_NAMESPACE,
  /** The events sorted set, after the prefix. */
  sensorData: 'SensorData',
  /** Climate counters are `<prefix><climatePrefix><hot|warm|cool|cold>`. */
  climatePrefix: 'climate:',
  /** Thermostat device hashes are `<prefix><devicePrefix><deviceId>`. */
  devicePrefix: '',
  /** The warnings pub/sub channel, after the prefix. */
  warningsChannel: 'Warnings',
} as const;

const schemaMappingSchema = z.strictObject({
  keyPrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.keyPrefix),
  namespace: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.namespace),
  sensorData: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.sensorData),
  climatePrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.climatePrefix),
  devicePrefix: nameSegment.default(DEFAULT_SCHEMA_MAPPING.devicePrefix),
  warningsChannel: nameSegment.min(1).default(DEFAULT_SCHEMA_MAPPING.warningsChannel),
});
export type SchemaMapping = z.infer<typeof schemaMappingSchema>;

const tlsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** PEM of the CA that signed the server's certificate; absent: the system's trusted CAs. */
  ca: pem.optional(),
  /** PEM client certificate, for servers that require one (its key is a secret: `secrets.tlsKey`). */
  cert: pem.optional(),
  /** SNI and the name checked against the certificate; absent: the host. */
  servername: host.optional(),
  /** Check the server's certificate and name. On unless switched off on purpose. */
  verify: z.boolean().default(true),
});
export type ConnectionTls = z.infer<typeof tlsSchema>;

const sentinelSchema = z.strictObject({
  masterName: z.string().trim().min(1).max(256),
  nodes: z.array(hostPortSchema).min(1, { message: 'needs at least one sentinel' }).max(32),
  /** The sentinels' own ACL user; their password is `secrets.sentinelPassword`. */
  username: z.string().min(1).max(256).optional(),
  /** Talk TLS to the sentinels too (with the connection's TLS settings). */
  tls: z.boolean().default(false),
});
export type SentinelSettings = z.infer<typeof sentinelSchema>;

const clusterSchema = z.strictObject({
  seeds: z.array(hostPortSchema).min(1, { message: 'needs at least one seed node' }).max(64),
  /** Addresses the cluster announces → where this machine reaches them (NAT, Docker, SSH tunnels). */
  natMap: z.array(z.strictObject({ from: hostPortSchema, to: hostPortSchema })).max(1024).default([]),
});
export type ClusterSettings = z.infer<typeof clusterSchema>;

export const CONNECTION_KINDS = ['standalone', 'sentinel', 'cluster'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** A saved connection as the UI edits it: everything but the secrets. */
export const connectionSettingsSchema = z
  .strictObject({
    name: z.string().trim().min(1, { message: 'is required' }).max(100),
    kind: z.enum(CONNECTION_KINDS).default('standalone'),
    /** The server (standalone); sentinel and cluster use their own node lists. */
    host: host.default('127.0.0.1'),
    port: port.default(6379),
    /** ACL user; absent: `default`. */
    username: z.string().min(1).max(256).optional(),
    db: z.int().min(0).max(15).default(0),
    tls: tlsSchema.prefault({}),
    connectTimeoutMs: z.int().min(100).max(120_000).default(5000),
    commandTimeoutMs: z.int().min(100).max(600_000).default(10_000),
    sentinel: sentinelSchema.optional(),
    cluster: clusterSchema.optional(),
    /** On by default for every connection but the embedded one. */
    readOnly: z.boolean().default(true),
    schema: schemaMappingSchema.prefault({}),
  })
  .check((context) => {
    const { kind, sentinel, cluster, db } = context.value;
    if (kind === 'sentinel' && !sentinel) context.issues.push({ code: 'custom', path: ['sentinel'], message: 'is required for a sentinel connection', input: context.value });
    if (kind === 'cluster' && !cluster) context.issues.push({ code: 'custom', path: ['cluster'], message: 'is required for a cluster connection', input: context.value });
    // A cluster has only database 0; asking for another would fail only at the first command.
    if (kind === 'cluster' && db !== 0) context.issues.push({ code: 'custom', path: ['db'], message: 'must be 0 on a cluster', input: context.value });
  });
export type ConnectionSettings = z.infer<typeof connectionSettingsSchema>;

const secret = z.string().min(1).max(65_536).nullable().optional();
/**
 * Secrets travel only towards core: a string sets one, null clears it, absent keeps what is stored.
 * They are stored encrypted and never sent back.
 */
export const connectionSecretsSchema = z.strictObject({
  password: secret,
  sentinelPassword: secret,
  /** PEM private key of the TLS client certificate. */
  tlsKey: pem.nullable().optional(),
});
export type ConnectionSecrets = z.infer<typeof connectionSecretsSchema>;

/**
 * What a client sends to save, edit or test a connection. Only its envelope is checked here: the
 * settings are checked once merged with a pasted URL and with what an edit keeps.
 */
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

/** Where a connection points, for display: never carries credentials. */
export function describeAddress(settings: ConnectionSettings): string {
  if (settings.kind === 'sentinel' && settings.sentinel) {
    return `sentinel ${settings.sentinel.masterName} via ${settings.sentinel.nodes.map(formatHostPort).join(', ')}`;
  }
  if (settings.kind === 'cluster' && settings.cluster) return `cluster via ${settings.cluster.seeds.map(formatHostPort).join(', ')}`;
  const scheme = settings.tls.enabled ? 'rediss' : 'redis';
  return `${scheme}://${formatHostPort(settings)}${settings.db === 0 ? '' : `/${settings.db}`}`;
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
