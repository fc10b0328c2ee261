import { DEFAULT_NAMESPACE } from '../domain/connection.js';
import type { Climate } from './climate.js';

/**
 * Every Redis key and channel name the workbench reads or writes is built here, so a production
 * Redis that names things differently only needs a different KeySchemaOptions.
 */
export interface KeySchemaOptions {
  /** Prepended to the thermostat keys; empty by default so the source document's redis-cli queries work verbatim. */
  keyPrefix: string;
  /** In front of every smart-meter key; DEFAULT_NAMESPACE when not given. */
  namespace?: string;
  /** The rest map the data model onto a Redis that names things differently; the source document's names by default. */
  sensorData?: string;
  climatePrefix?: string;
  devicePrefix?: string;
  warningsChannel?: string;
}

/** Where one energy bucket lives: the list `<ns>:energy:<deviceId>:<bucketStart>`. */
export interface EnergyBucketRef {
  deviceId: string;
  /** Unix seconds at a bucket boundary. */
  bucketStart: number;
}

export interface KeySchema {
  sensorData: string;
  deviceHash(deviceId: string): string;
  climateCounter(climate: Climate): string;
  warningsChannel: string;
  deadLetters: string;
  rejectedCounts: string;
  /**
   * STRING, with a TTL: how far one ingest writer got (`<buffer>:<batch>:<source batch>`), set in
   * the same transaction as each batch's writes, so a retried batch or a replay after a crash is
   * recognised as applied rather than counted twice.
   */
  writerProgress(writerId: string): string;
  /** The smart-meter namespace itself, for display. */
  namespace: string;
  /** LIST: one JSON reading per element, in ingest order. */
  energyBucket(deviceId: string, bucketStart: number): string;
  /** The inverse of energyBucket; null for a name that is not a bucket list of this namespace. */
  parseEnergyBucket(key: string): EnergyBucketRef | null;
  /** SET: names of the bucket lists not yet archived. */
  energyPending: string;
  /** HASH: the device object (kind, firstSeen, lastSeen, readings, transport). */
  meterDevice(deviceId: string): string;
  /** ZSET index: the device's buckets that ever held readings, score = member = bucketStart. */
  meterBuckets(deviceId: string): string;
  /**
   * ZSET index: the device's buckets archived to S3, score = bucketStart, member =
   * `<bucketStart>:<etag>`; the ETag tells a cached copy of the object from a newer upload.
   */
  meterArchived(deviceId: string): string;
  /** ZSET: every meter id, score = when it last sent (ms since epoch). */
  meters: string;
  /** STRING: JSON summary of the last archive pass. */
  archiveLastRun: string;
  /**
   * STRING with a PX expiry: the archiver lease, JSON {token, holder, host, pid, since}. Set with
   * SET NX PX, renewed by its holder only; one archiver at a time archives.
   */
  archiveLease: string;
  /** STRING counter: INCR gives each new lease its fencing token, always higher than every earlier holder's. */
  archiveLeaseToken: string;
  /**
   * SET: the ids of the devices in the device registry, whose entries live in the device object
   * (meterDevice). Outside `<ns>:devices:` so that no device id can name the same key.
   */
  registeredDevices: string;
  /** HASH: the fields of the JSON objects published to `topic`, stored by a json-hash topic rule. */
  topicHash(topic: string): string;
  /** SET index: the ids of every client API key (the source paper's `apiKeys`). */
  apiKeys: string;
  /** HASH: one API key object (name, created, limit, scope, secretHash); never the secret itself. */
  apiKey(keyId: string): string;
  /** SET index (the paper's `devices:<id>:clients`): the ids of the keys scoped to read this device. */
  deviceClients(deviceId: string): string;
  /** STRING counter of one key's requests in the 5-second interval starting at intervalStart (Unix s): INCR, EXPIRE 60, GET. */
  apiKeyTps(keyId: string, intervalStart: PeriodStart): string;
  /** HASH of one key's usage counters over one period (minute or hour) starting at periodStart (Unix s). */
  apiKeyUsage(keyId: string, period: UsagePeriod, periodStart: PeriodStart): string;
  /** HASH of the whole client API's counters over one period, refusals of unknown keys (401) included. */
  apiUsage(period: UsagePeriod, periodStart: PeriodStart): string;
  /** HASH: index name → its definition as JSON (with its key names); the batch scripts read it to keep the indexes current. */
  indexDefinitions: string;
  /** HASH: an index's build: state, SCAN cursor, keys scanned, entries written, rate, times, last verify. */
  indexBuild(name: string): string;
  /** SET: the values a set index has a set for. */
  indexValues(name: string): string;
  /** SET: the names of the hashes whose field has `value` (after the index's transform). */
  indexValueSet(name: string, value: string): string;
  /** What indexValueSet puts in front of the value; the Lua scripts append the value to it. */
  indexValueSetPrefix(name: string): string;
  /** ZSET: the names of the hashes, scored by the field. */
  indexSortedSet(name: string): string;
  /** Every index key begins with this; the builds skip such keys, so that no index indexes another's keys. */
  indexKeysPrefix: string;
}

/** Unix seconds at an interval's start, or a placeholder such as `<intervalStart>` to name the pattern. */
export type PeriodStart = number | `<${string}>`;

/** The two resolutions usage counters are kept at. */
export type UsagePeriod = 'minute' | 'hour';

export function createKeySchema({
  keyPrefix,
  namespace = DEFAULT_NAMESPACE,
  sensorData = 'SensorData',
  climatePrefix = 'climate:',
  devicePrefix = '',
  warningsChannel = 'Warnings',
}: KeySchemaOptions): KeySchema {
  const climateKeys: Record<Climate, string> = {
    hot: `${keyPrefix}${climatePrefix}hot`,
    warm: `${keyPrefix}${climatePrefix}warm`,
    cool: `${keyPrefix}${climatePrefix}cool`,
    cold: `${keyPrefix}${climatePrefix}cold`,
  };
  const energyPrefix = `${namespace}:energy:`;
  const indexKeysPrefix = `${keyPrefix}workbench:index`;
  return {
    sensorData: `${keyPrefix}${sensorData}`,
    deviceHash: (deviceId) => `${keyPrefix}${devicePrefix}${deviceId}`,
    climateCounter: (climate) => climateKeys[climate],
    warningsChannel: `${keyPrefix}${warningsChannel}`,
    deadLetters: `${keyPrefix}workbench:ingest:deadletters`,
    rejectedCounts: `${keyPrefix}workbench:ingest:rejected`,
    writerProgress: (writerId) => `${keyPrefix}workbench:ingest:writer:${writerId}`,
    namespace,
    energyBucket: (deviceId, bucketStart) => `${energyPrefix}${deviceId}:${bucketStart}`,
    parseEnergyBucket: (key) => parseBucketKey(key, energyPrefix),
    energyPending: `${energyPrefix}pending`,
    meterDevice: (deviceId) => `${namespace}:devices:${deviceId}`,
    meterBuckets: (deviceId) => `${namespace}:devices:${deviceId}:buckets`,
    meterArchived: (deviceId) => `${namespace}:devices:${deviceId}:archived`,
    meters: `${namespace}:meters`,
    archiveLastRun: `${namespace}:workbench:archive:lastrun`,
    archiveLease: `${namespace}:workbench:archive:lease`,
    archiveLeaseToken: `${namespace}:workbench:archive:lease:token`,
    registeredDevices: `${namespace}:registered-devices`,
    topicHash: (topic) => `${keyPrefix}topic:${topic}`,
    apiKeys: `${namespace}:apiKeys`,
    apiKey: (keyId) => `${namespace}:apiKeys:${keyId}`,
    deviceClients: (deviceId) => `${namespace}:devices:${deviceId}:clients`,
    apiKeyTps: (keyId, intervalStart) => `${namespace}:apiKeys:${keyId}:tps:${intervalStart}`,
    apiKeyUsage: (keyId, period, periodStart) => `${namespace}:apiKeys:${keyId}:usage:${period}:${periodStart}`,
    apiUsage: (period, periodStart) => `${namespace}:api:usage:${period}:${periodStart}`,
    indexDefinitions: `${indexKeysPrefix}es`,
    indexBuild: (name) => `${indexKeysPrefix}es:${name}:build`,
    indexValues: (name) => `${indexKeysPrefix}es:${name}:values`,
    indexValueSet: (name, value) => `${indexKeysPrefix}:${name}:${value}`,
    indexValueSetPrefix: (name) => `${indexKeysPrefix}:${name}:`,
    indexSortedSet: (name) => `${indexKeysPrefix}:${name}`,
    indexKeysPrefix,
  };
}

/**
 * The key names a replay writes when it is kept apart from live data: every key of the data model
 * with `replayPrefix` in front (`replay:SensorData`, `replay:42`, `replay:climate:hot`,
 * `replay:backend:dev:energy:<id>:<bucket>`, `replay:Warnings`), so that a replay never lands in a
 * live key and the pages can read it through a connection with this schema. The ingest writer's
 * progress marker stays the live one: one writer, one marker.
 */
export function replayKeySchemaOptions(options: KeySchemaOptions, replayPrefix: string): KeySchemaOptions {
  return { ...options, keyPrefix: `${replayPrefix}${options.keyPrefix}`, namespace: `${replayPrefix}${options.namespace ?? DEFAULT_NAMESPACE}` };
}

function parseBucketKey(key: string, energyPrefix: string): EnergyBucketRef | null {
  if (!key.startsWith(energyPrefix)) return null;
  const rest = key.slice(energyPrefix.length);
  const separator = rest.lastIndexOf(':');
  if (separator <= 0) return null;
  const bucketStart = Number(rest.slice(separator + 1));
  if (!Number.isSafeInteger(bucketStart) || bucketStart < 0) return null;
  return { deviceId: rest.slice(0, separator), bucketStart };
}
