/**
 * The one contract between core and every client (renderer, tests, scripts): request and response
 * shapes of the HTTP API. The renderer imports types from here and nothing else from core.
 */

export type PartState = 'starting' | 'running' | 'stopped' | 'failed';

export interface PartStatus {
  state: PartState;
  address: string | null;
  detail: string | null;
}

export interface IngestFigures {
  /** Thermostat readings; meter readings are counted in the meterReadings* fields. */
  received: number;
  written: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  buffered: number;
  bufferLimit: number;
  bufferFull: boolean;
  /** Publishers currently held back because the buffer is full. */
  waitingPublishers: number;
  dropped: number;
  writeErrors: number;
  lastError: string | null;
  /** Smart-meter readings (one datagram or MQTT payload carries several). */
  meterReadingsReceived: number;
  meterReadingsWritten: number;
  /** Meter datagrams and payloads rejected (their reasons are counted in rejectedByReason too). */
  meterPayloadsRejected: number;
  /** Datagrams dropped because the ingest buffer was full (UDP cannot be held back). */
  meterDatagramsDropped: number;
}

export interface RateSample {
  /** ms since epoch at the end of the one-second interval. */
  at: number;
  receivedPerSec: number;
  writtenPerSec: number;
  rejectedPerSec: number;
  redisCommandsPerSec: number | null;
  meterWrittenPerSec: number;
}

export interface LiveFigures {
  ingest: IngestFigures;
  rates: RateSample | null;
  /** Up to the last 120 one-second samples, oldest first, for charts. */
  history: RateSample[];
  latencyMs: { p50: number | null; p99: number | null; samples: number; windowSeconds: number };
  mqttClients: number;
}

export interface EmulatorStatus {
  running: boolean;
  rate: number;
  devices: number;
  qos: 0 | 1;
  published: number;
  acknowledged: number;
  /** Ticks in which the broker was behind and the emulator held back. */
  throttledTicks: number;
  /** Share of readings forced hot; null is the document's uniform 1..110. */
  hotShare: number | null;
}

export interface StackStatus {
  startedAt: number;
  /** The active connection takes no writes: the emulator, ingest and archive do not write to it, the console sends only reads. */
  readOnly: boolean;
  /** The connection every page reads from. */
  connection: ActiveConnection;
  parts: {
    redis: PartStatus;
    broker: PartStatus;
    ingest: PartStatus;
    emulator: PartStatus;
    /** The meter datagram listener. */
    udp: PartStatus;
    meterEmulator: PartStatus;
    archive: PartStatus;
  };
  emulator: EmulatorStatus | null;
  meterEmulator: MeterEmulatorStatus | null;
  figures: LiveFigures;
}

export interface EmulatorCommand {
  action: 'start' | 'stop' | 'configure';
  rate?: number;
  devices?: number;
  hotShare?: number | null;
  preset?: EmulatorPreset;
}

export interface ApiError {
  error: string;
}

/** One SensorData entry: ZSET member and score. */
export interface SensorEvent {
  deviceId: string;
  /** The score: reading timestamp, ms since epoch. */
  timestamp: number;
}

/** GET /api/events?limit=24 (ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 limit). */
export interface RecentEvents {
  events: SensorEvent[];
  /** ZCARD SensorData. */
  total: number;
  command: string;
}

/** GET /api/events/range?from=ms&to=ms&limit=n (ZRANGEBYSCORE, oldest first). */
export interface EventRange {
  events: SensorEvent[];
  /** True when more than `limit` entries fall in the range. */
  truncated: boolean;
  command: string;
}

/** GET /api/events/search?match=2*&cursor=0&count=100 (one ZSCAN step). */
export interface EventSearch {
  events: SensorEvent[];
  /** "0" when the scan is complete; pass it back for the next step. */
  cursor: string;
  command: string;
}

/** GET /api/devices/:deviceId (HGETALL <deviceId>). Fields are empty when the device is unknown. */
export interface DeviceDetail {
  deviceId: string;
  fields: Record<string, string>;
  command: string;
}

export type ClimateName = 'hot' | 'warm' | 'cool' | 'cold';

/** GET /api/climate (GET climate:<name> for each). */
export interface ClimateCounters {
  counters: Record<ClimateName, number>;
  at: number;
}

/** One message from the Warnings channel, as published plus when the workbench received it. */
export interface WarningMessage {
  deviceId: string;
  temperature: number;
  timestamp: number;
  requestId: string;
  receivedAt: number;
}

/** GET /api/rejected?limit=100: the dead-letter list (LRANGE) and counts by reason (HGETALL). */
export interface RejectedPayloads {
  letters: Array<{
    at: number;
    topic: string;
    clientId: string | null;
    reason: string;
    detail: string;
    payload: string;
    payloadBytes: number;
  }>;
  countsByReason: Record<string, number>;
  total: number;
}

/** One key pattern the pipeline writes, with how big it is now and how fast it grows. */
export interface ModelEntry {
  pattern: string;
  /** Redis type: zset, hash, string, list, channel. */
  type: string;
  /** What the size is: "members" (ZCARD), "keys" (matching hashes), "value" (counter), "entries" (LLEN), "subscribers". */
  sizeUnit: string;
  size: number;
  /** Change of size per second over the last sampling interval; null until two samples exist. */
  growthPerSec: number | null;
  /** The command that writes it, as the batch script issues it. */
  writtenBy: string;
  /** A redis-cli command to look at it. */
  inspect: string;
}

/** GET /api/model */
export interface DataModel {
  entries: ModelEntry[];
  /** DBSIZE */
  totalKeys: number;
  usedMemoryBytes: number | null;
  at: number;
}

/** POST /api/emulator with a preset name applies the preset's rate, devices and hot share. */
export type EmulatorPreset = 'document' | 'heat-wave' | 'burst';

/**
 * WebSocket /api/live?token=…: the client sends LiveSubscribe to choose topics; the server sends
 * LiveFrame at most four times a second, each carrying the subscribed topics.
 */
export type LiveTopic = 'status' | 'events' | 'climate' | 'warnings';

export interface LiveSubscribe {
  subscribe: LiveTopic[];
}

export interface LiveFrame {
  at: number;
  status?: StackStatus;
  events?: RecentEvents;
  climate?: ClimateCounters;
  /** Warnings received since the previous frame, oldest first (capped; see warningsDropped). */
  warnings?: WarningMessage[];
  /** Warnings not sent because more arrived in one interval than a frame carries. */
  warningsDropped?: number;
}

/* ---------------------------------------------------------------- smart meters and energy */

/** One meter from `<ns>:meters` and its device hash `<ns>:devices:<deviceId>`. */
export interface MeterSummary {
  deviceId: string;
  /** ms since epoch when the workbench last took a reading of it. */
  lastSeen: number;
  firstSeen: number | null;
  readings: number;
  transport: 'udp' | 'mqtt' | null;
  /** ZCARD of its bucket index and of its archived-bucket index. */
  buckets: number;
  archivedBuckets: number;
}

/** GET /api/meters?limit=n: most recently seen first. */
export interface MeterList {
  meters: MeterSummary[];
  total: number;
}

/** Where a bucket's readings came from; 'both' while a bucket is being archived or got late readings. */
export type EnergySource = 'redis' | 's3' | 'both' | 'none';

export interface EnergyBucketRead {
  /** Unix seconds. */
  bucketStart: number;
  source: EnergySource;
  readings: number;
  /** Why this bucket could not be read (S3 down, object corrupt or missing); the rest of the answer stands. */
  error: string | null;
  /** True when the S3 part came from the cache of decompressed objects. */
  cached: boolean;
}

/** Sums over one interval of a series: Wh over the six channels. */
export interface EnergyPoint {
  /** Interval start, Unix seconds. */
  t: number;
  eReal: number;
  eRealPositive: number;
  eRealNegative: number;
  readings: number;
}

/** GET /api/meters/:deviceId/energy?from=s&to=s&interval=s */
export interface EnergySeries {
  deviceId: string;
  from: number;
  to: number;
  intervalSeconds: number;
  points: EnergyPoint[];
  buckets: EnergyBucketRead[];
  readings: number;
  /** Readings found in both Redis and S3 (same timestamp) and returned once. */
  duplicatesDropped: number;
  tookMs: number;
}

/** GET /api/meters/:deviceId/readings?from=s&to=s&limit=n: the readings themselves, oldest first. */
export interface EnergyReadings {
  deviceId: string;
  readings: Array<Record<string, unknown> & { timestamp: number }>;
  truncated: boolean;
  buckets: EnergyBucketRead[];
  duplicatesDropped: number;
}

export interface MeterEmulatorStatus {
  running: boolean;
  meters: number;
  transport: 'udp' | 'mqtt';
  intervalSeconds: number;
  speed: number;
  /** The emulated clock (ms since epoch); it runs `speed` times faster until it reaches real time. */
  emulatedNow: number;
  /** True once the emulated clock has caught up and runs at real time. */
  caughtUp: boolean;
  sent: number;
  /** Readings per second being sent now. */
  ratePerSec: number;
  sendErrors: number;
  lastError: string | null;
}

export interface MeterEmulatorCommand {
  action: 'start' | 'stop' | 'configure';
  meters?: number;
  speed?: number;
  historyDays?: number;
  transport?: 'udp' | 'mqtt';
}

/* ---------------------------------------------------------------- archive */

/** Where archived buckets go; secrets are never part of it. */
export interface ArchiveTarget {
  endpoint: string | null;
  region: string;
  bucket: string;
  keyPrefix: string;
  pathStyle: boolean;
  /** 'explicit' (config file) or 'default-chain' (AWS_* variables, ~/.aws, roles). */
  credentials: 'explicit' | 'default-chain';
}

export interface ArchiveProgress {
  trigger: 'interval' | 'manual';
  startedAt: number;
  /** Stale buckets found so far; grows while the pending set is being scanned. */
  bucketsTotal: number;
  bucketsDone: number;
  bucketsFailed: number;
  /** Buckets left in Redis because a reading arrived while they were uploaded (archived next pass). */
  bucketsLate: number;
  readings: number;
  /** NDJSON bytes read from Redis and LZ4 bytes uploaded. */
  bytesIn: number;
  bytesOut: number;
  scanComplete: boolean;
}

export interface ArchiveRunSummary extends ArchiveProgress {
  finishedAt: number;
  /** bytesIn / bytesOut; null when nothing was archived. */
  ratio: number | null;
  error: string | null;
}

/** GET /api/archive */
export interface ArchiveStatus {
  /** False without an S3 bucket; `reason` says what to set. */
  configured: boolean;
  reason: string | null;
  target: ArchiveTarget | null;
  bucketSeconds: number;
  graceSeconds: number;
  intervalSeconds: number;
  nextRunAt: number | null;
  /** SCARD of the pending set. */
  pending: number;
  running: ArchiveProgress | null;
  lastRun: ArchiveRunSummary | null;
  /** Set while S3 fails: the error and when the next attempt is. */
  failing: { error: string; since: number; retryAt: number } | null;
}

/** One entry of the pending set, as the Archive page lists them. */
export interface PendingBucket {
  key: string;
  deviceId: string;
  bucketStart: number;
  /** LLEN */
  readings: number;
  stale: boolean;
}

/** GET /api/archive/pending?cursor=0&count=100: one SSCAN step. */
export interface PendingBuckets {
  buckets: PendingBucket[];
  cursor: string;
}

/** GET /api/archive/objects?after=key: one ListObjectsV2 page under energy/. */
export interface ArchivedObjects {
  objects: Array<{ key: string; bytes: number; lastModified: number }>;
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

export type S3CheckStep = 'config' | 'dns' | 'connect' | 'tls' | 'credentials' | 'bucket' | 'write' | 'read' | 'delete';

/** POST /api/archive/test: each step until the first failure, which names the problem precisely. */
export interface S3ConnectionCheck {
  ok: boolean;
  steps: Array<{ step: S3CheckStep; ok: boolean; detail: string; ms: number }>;
  /** One sentence saying what is wrong and what to change; null when ok. */
  problem: string | null;
}

/* ---------------------------------------------------------------- key browser */

/** The value types the key browser can page through and filter a scan by. */
export type KeyType = 'string' | 'hash' | 'zset' | 'list' | 'set' | 'stream';

/** One key a scan found, with TYPE's answer (a module type such as ReJSON-RL is passed through as is). */
export interface KeySummary {
  key: string;
  type: string;
}

/** One walk of SCAN steps, stopped once a page of keys is found, the walk is complete or the work cap is reached. */
export interface KeyScan {
  keys: KeySummary[];
  /** "0" when the walk over the whole keyspace is complete; pass it back to continue. */
  cursor: string;
  /** Sum of the COUNT hints sent: how many keys Redis was asked to look at in this request. */
  examined: number;
  /** The SCAN step as redis-cli would issue it, with the cursor this request started from. */
  command: string;
}

/** GET /api/keys?cursor=0&match=…&type=…&count=100&maxExamined=10000 */
export interface KeyPage extends KeyScan {
  /** DBSIZE, so a client can tell how much of the keyspace a walk has covered. */
  totalKeys: number;
}

/** What every existing key's detail carries besides its value page. */
interface KeyDetailCommon {
  key: string;
  /** PTTL; null when the key has no expiry. */
  ttlMs: number | null;
  /** MEMORY USAGE; null when the server refuses MEMORY (e.g. a managed Redis or an ACL). */
  memoryBytes: number | null;
  /** The command that read the value page, as redis-cli would issue it. */
  command: string;
  /** Pass as `offset` for the next page; null on the last one. */
  next: string | null;
}

/** Sizes and pages are measured as the type's own length command counts them (STRLEN bytes, HLEN fields, …). */
export interface StringKeyDetail extends KeyDetailCommon {
  type: 'string';
  /** GETRANGE from the byte offset asked for, decoded as UTF-8. */
  value: string;
  /** STRLEN, in bytes. */
  length: number;
  /** True when `value` is not the whole string. */
  truncated: boolean;
}

/** Field/value pairs are arrays, not objects, so names such as `__proto__` arrive intact and in order. */
export interface HashKeyDetail extends KeyDetailCommon {
  type: 'hash';
  /** One HSCAN step: a small hash comes whole; a large one may repeat a field across steps. */
  fields: Array<{ field: string; value: string }>;
  /** HLEN */
  length: number;
}

export interface ZsetKeyDetail extends KeyDetailCommon {
  type: 'zset';
  /** ZRANGE by rank from `offset`; scores as Redis prints them, so "inf" and "-inf" survive JSON. */
  members: Array<{ member: string; score: string }>;
  offset: number;
  /** ZCARD */
  length: number;
}

export interface ListKeyDetail extends KeyDetailCommon {
  type: 'list';
  /** LRANGE from index `offset`. */
  elements: string[];
  offset: number;
  /** LLEN */
  length: number;
}

export interface SetKeyDetail extends KeyDetailCommon {
  type: 'set';
  /** One SSCAN step: a small set comes whole; a large one may repeat a member across steps. */
  members: string[];
  /** SCARD */
  length: number;
}

export interface StreamKeyDetail extends KeyDetailCommon {
  type: 'stream';
  /** XRANGE from the entry id in `offset`; a field may occur twice in one entry, hence pairs. */
  entries: Array<{ id: string; fields: Array<{ field: string; value: string }> }>;
  /** XLEN */
  length: number;
}

/** A type the browser cannot page (a module type, or one newer than the browser): TTL and memory only. */
export interface OtherKeyDetail extends Omit<KeyDetailCommon, 'command' | 'next'> {
  type: 'other';
  /** TYPE's answer, e.g. ReJSON-RL. */
  redisType: string;
}

/** GET /api/keys/detail?key=…&offset=…&limit=… ; a key that does not exist answers type 'none'. */
export type KeyDetail =
  | StringKeyDetail
  | HashKeyDetail
  | ZsetKeyDetail
  | ListKeyDetail
  | SetKeyDetail
  | StreamKeyDetail
  | OtherKeyDetail
  | { type: 'none'; key: string };

/* ---------------------------------------------------------------- connections */

export type ConnectionKind = 'standalone' | 'sentinel' | 'cluster';

export interface HostPort {
  host: string;
  port: number;
}

export interface ConnectionTls {
  enabled: boolean;
  /** PEM of the CA that signed the server's certificate; absent: the system's trusted CAs. */
  ca?: string;
  /** PEM client certificate, for servers that require one (its key is a secret: `secrets.tlsKey`). */
  cert?: string;
  /** SNI and the name checked against the certificate; absent: the host. */
  servername?: string;
  /** Check the server's certificate and name. On unless switched off on purpose. */
  verify: boolean;
}

/**
 * How the data model's keys are named on this connection, so the dashboards can read a Redis that
 * names things differently. The defaults are the source documents' names.
 */
export interface SchemaMapping {
  /** In front of every thermostat key (SensorData, climate counters, device hashes, Warnings). */
  keyPrefix: string;
  /** The smart-meter namespace, `<app>:<env>`. */
  namespace: string;
  /** The events sorted set, after the prefix. */
  sensorData: string;
  /** Climate counters are `<prefix><climatePrefix><hot|warm|cool|cold>`. */
  climatePrefix: string;
  /** Thermostat device hashes are `<prefix><devicePrefix><deviceId>`. */
  devicePrefix: string;
  /** The warnings pub/sub channel, after the prefix. */
  warningsChannel: string;
}

export interface SentinelSettings {
  masterName: string;
  nodes: HostPort[];
  /** The sentinels' own ACL user; their password is `secrets.sentinelPassword`. */
  username?: string;
  /** Talk TLS to the sentinels too (with the connection's TLS settings). */
  tls: boolean;
}

export interface ClusterSettings {
  seeds: HostPort[];
  /** Addresses the cluster announces → where this machine reaches them (NAT, Docker, SSH tunnels). */
  natMap: Array<{ from: HostPort; to: HostPort }>;
}

/** A saved connection as the UI edits it: everything but the secrets. */
export interface ConnectionSettings {
  name: string;
  kind: ConnectionKind;
  /** The server (standalone); sentinel and cluster use their own node lists. */
  host: string;
  port: number;
  /** ACL user; absent: `default`. */
  username?: string;
  db: number;
  tls: ConnectionTls;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  sentinel?: SentinelSettings;
  cluster?: ClusterSettings;
  /** On by default for every connection but the embedded one. */
  readOnly: boolean;
  schema: SchemaMapping;
}

/**
 * Secrets travel only towards core: a string sets one, null clears it, absent keeps what is stored.
 * They are stored encrypted and never sent back.
 */
export interface ConnectionSecrets {
  password?: string | null;
  sentinelPassword?: string | null;
  /** PEM private key of the TLS client certificate. */
  tlsKey?: string | null;
}

/**
 * POST /api/connections, PUT /api/connections/:id, POST /api/connections/test. With `url`
 * (redis:// or rediss://), host, port, username, password, db and TLS come from it; settings not
 * given take their defaults.
 */
export interface ConnectionInput extends Partial<Omit<ConnectionSettings, 'tls' | 'schema'>> {
  url?: string;
  tls?: Partial<ConnectionTls>;
  schema?: Partial<SchemaMapping>;
  secrets?: ConnectionSecrets;
}

export interface ConnectionView extends ConnectionSettings {
  id: string;
  /** The workbench's own Redis (embedded, or --redis-url): not editable, not deletable. */
  builtIn: boolean;
  /** Which secrets are stored, never their values. */
  storedSecrets: { password: boolean; sentinelPassword: boolean; tlsKey: boolean };
}

/** GET /api/connections */
export interface ConnectionList {
  connections: ConnectionView[];
  activeId: string;
  /** Whether secrets can be saved: in `serve` only with SW_SECRET_KEY set. */
  secretStorage: { available: boolean; detail: string };
}

export type ConnectionCheckStep = 'connect' | 'authenticate' | 'server' | 'commands' | 'keyspace';

/** POST /api/connections/:id/test and /api/connections/test: each step with what it found or a fix. */
export interface ConnectionCheck {
  ok: boolean;
  steps: Array<{ step: ConnectionCheckStep; ok: boolean; detail: string }>;
  elapsedMs: number;
}

/** The connection every page reads from, as StackStatus carries it. */
export interface ActiveConnection {
  id: string;
  name: string;
  kind: ConnectionKind;
  /** Where it points, without credentials. */
  address: string;
  builtIn: boolean;
  /** Enforced in core: only commands COMMAND INFO flags as read-only reach this server. */
  readOnly: boolean;
  /** Where the read-only decision's command flags came from (the server itself, or the embedded Redis when the server refuses COMMAND). */
  commandTable: string;
  /** What does not work on this connection and why, e.g. the Warnings feed when the user may not SUBSCRIBE. */
  limitations: string[];
}

/* ---------------------------------------------------------------- console */

/** POST /api/console */
export interface ConsoleRequest {
  /** One command line as typed into redis-cli: words, "double" or 'single' quoted arguments. */
  line: string;
}

export interface ConsoleReply {
  /** The arguments as parsed, first the command name. */
  args: string[];
  /** The reply formatted as redis-cli prints it (`(integer) 3`, `1) "a"`, `(nil)`, `(error) …`). */
  output: string;
  /** True when Redis answered with an error or the workbench refused the command. */
  error: boolean;
  /** Why the workbench did not send it (read-only connection, blocking command, …); null when sent. */
  refused: string | null;
  elapsedMs: number;
}

/** GET /api/console/examples: the source documents' redis-cli queries with this connection's key names. */
export interface ConsoleExample {
  title: string;
  line: string;
}

/* ---------------------------------------------------------------- devices */

export type DeviceKind = 'thermostat' | 'meter' | 'other';
export type DeviceAuth = 'password' | 'certificate';

/** A device registered on the bundled broker, as the API shows it: never a password or its hash. */
export interface RegisteredDeviceView {
  id: string;
  kind: DeviceKind;
  auth: DeviceAuth;
  hasPassword: boolean;
  /** SHA-256 of the client certificate, lower-case hex; null for password devices. */
  certificateFingerprint: string | null;
  /** Topic filters it may publish to. */
  publish: string[];
  /** Topic filters its subscriptions must stay within. */
  subscribe: string[];
  /** ms since epoch. */
  registered: number;
  lastSeen: number | null;
  lastAddress: string | null;
}

/** GET /api/devices/registry?cursor=&count=: one SSCAN page; cursor '0' when the listing is complete. */
export interface RegisteredDevicePage {
  cursor: string;
  devices: RegisteredDeviceView[];
}

/** POST /api/devices/registry */
export interface DeviceRegistrationRequest {
  id: string;
  kind: DeviceKind;
  auth: DeviceAuth;
  /** Topic filters it may publish to besides its kind's own (a meter: meters/<id>/#; a thermostat: temp_readings and thermostats/<id>/#). */
  publish?: string[];
  /** Topic filters it may subscribe within; none by default. */
  subscribe?: string[];
}

/** One listener of the bundled broker. */
export interface BrokerEndpoint {
  protocol: 'mqtt' | 'ws' | 'mqtts' | 'wss';
  url: string;
  host: string;
  port: number;
  /** What a TLS listener does with client certificates; 'none' for plain listeners. */
  clientCertificates: 'required' | 'optional' | 'none';
}

/** Copy-paste commands that publish one reading as the device, with what the kit hands out. */
export interface DeviceSnippets {
  mosquittoPub: string;
  mqttJs: string;
}

/** The answer to POST /api/devices/registry: everything the device needs, its secrets shown this once. */
export interface ConnectionKit {
  device: RegisteredDeviceView;
  /** A password device's password: stored only hashed, never shown again. */
  password?: string;
  /** A certificate device's files: <id>.crt, <id>.key and ca.crt. The key is kept nowhere else. */
  certificate?: { cert: string; key: string; ca: string; fingerprint: string };
  endpoints: BrokerEndpoint[];
  snippets: DeviceSnippets;
}

/** POST /api/devices/registry/:id/password: the new password (the old one stops working at once). */
export interface PasswordKit {
  device: RegisteredDeviceView;
  password: string;
  endpoints: BrokerEndpoint[];
  snippets: DeviceSnippets;
}

/** What a topic rule does with the messages it matches. */
export type TopicRuleHandler = 'thermostat' | 'meter' | 'json-hash' | 'ignore';

export interface TopicRule {
  /** An MQTT topic filter: `+` one level, `#` the rest. */
  filter: string;
  handler: TopicRuleHandler;
}

/** GET /api/ingest/topic-rules: the rules in force, first match wins, with what each took. */
export interface TopicRulesView {
  rules: Array<TopicRule & { matched: number }>;
  /** Messages since the rules were set that no rule matched. */
  unrouted: number;
  /** 'saved': from the Topic rules page (file); 'config': ingest.topicRules of the config, or its default. */
  origin: 'saved' | 'config';
  file: string;
  /** Why the rules cannot be changed (read-only mode), or null. */
  locked: string | null;
  /** The key a json-hash rule stores the messages of topic "<topic>" under, with the literal "<topic>" in it. */
  hashKeyPattern: string;
}

/** PUT /api/ingest/topic-rules: the whole table, in order. */
export interface TopicRulesUpdate {
  rules: TopicRule[];
}

/** A connection, publish or subscription the broker refused. */
export interface RefusalView {
  /** ms since epoch. */
  at: number;
  action: 'connect' | 'publish' | 'subscribe' | 'packet';
  clientId: string;
  address: string | null;
  deviceId: string | null;
  /** The topic or filter; null for a connection. */
  topic: string | null;
  /** One word: wrong-password, publish-not-allowed, … */
  code: string;
  reason: string;
}

/** GET /api/devices/refusals: counts since the broker started, and the most recent refusals, newest first. */
export interface RefusalSummary {
  total: number;
  byCode: Record<string, number>;
  recent: RefusalView[];
}

/* ---------------------------------------------------------------- broker live view */

/** A client connected to the bundled broker. */
export interface BrokerClientView {
  id: string;
  /** The listener it came in through. */
  protocol: 'mqtt' | 'ws' | 'mqtts' | 'wss';
  address: string | null;
  /** ms since epoch the connection was accepted. */
  since: number;
  tls: boolean;
  /** The CN of the client certificate it presented; null without one. */
  certificateCn: string | null;
  /** The registered device it authenticated as; null for anonymous clients and the workbench's own. */
  deviceId: string | null;
  /** The workbench's own client (an emulator). */
  workbench: boolean;
  /** Messages the broker accepted from it. */
  messagesIn: number;
  lastMessageAt: number | null;
}

/** GET /api/broker/clients?limit=: the longest-connected first. */
export interface BrokerClientList {
  /** Clients connected; more than `clients` holds when the limit cut the list. */
  total: number;
  clients: BrokerClientView[];
}

/** The start of a payload, as text or hex. */
export interface PayloadPreview {
  /** utf8: the text as published; hex: the bytes, as the payload is not printable text. */
  encoding: 'utf8' | 'hex';
  /** The first 512 bytes. */
  text: string;
  /** The whole payload's size, bytes. */
  size: number;
  truncated: boolean;
}

/** One topic published to since the broker started. */
export interface BrokerTopicView {
  topic: string;
  messages: number;
  /** Messages per second over the last complete seconds (up to 10). */
  ratePerSecond: number;
  /** Messages in each of the last 30 complete seconds, oldest first. */
  recent: number[];
  /** ms since epoch of the last message. */
  lastAt: number;
  lastPayload: PayloadPreview;
}

/** GET /api/broker/topics?prefix=&limit=: topics in topic order ($SYS/ left out). */
export interface BrokerTopicList {
  topics: BrokerTopicView[];
  /** Topics starting with the prefix; more than `topics` holds when the limit cut the list. */
  matched: number;
  /** Topics tracked, of at most maxTopics; topics idle for 5 minutes make room when it is full. */
  tracked: number;
  maxTopics: number;
  /** Messages on topics that arrived while the map was full: counted, not tracked. */
  untrackedMessages: number;
  at: number;
}

/** POST /api/broker/publish: one message published by the workbench itself. */
export interface BrokerPublishRequest {
  topic: string;
  /** Sent as UTF-8. */
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface BrokerPublishResult {
  topic: string;
  /** Payload size, bytes. */
  size: number;
  qos: 0 | 1;
  retain: boolean;
  /** ms since epoch the broker took it. */
  at: number;
}
