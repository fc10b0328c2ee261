import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_REPLAY_KEY_PREFIX } from '../domain/replay.js';
import { DEFAULT_TOPIC_RULES, topicFilterSchema, topicRulesSchema } from '../domain/topic-rule.js';

const port = z.int().min(0).max(65535);
const host = z.string().min(1);
const DAY_SECONDS = 86_400;
/**
 * A Redis Cluster's seed nodes, `[redis[s]://][user[:password]@]host:port[,host:port…]`: the
 * scheme, user and password are those of a --redis-url and apply to every node (rediss = TLS); the
 * client finds the other nodes itself. IPv6 hosts in brackets.
 */
const redisClusterSchema = z.string().transform((text, context) => {
  const match = /^(?:(rediss?):\/\/)?(?:([^:@/]*)(?::([^@/]*))?@)?([^@/]+)$/.exec(text.trim());
  const seeds = (match?.[4] ?? '').split(',').map((part) => /^(?:\[([^\]]+)\]|([^\s:,[\]]+)):(\d{1,5})$/.exec(part.trim()));
  if (!match || seeds.some((seed) => seed === null || Number(seed[3]) < 1 || Number(seed[3]) > 65_535)) {
    context.addIssue({ code: 'custom', message: 'must be host:port[,host:port…], optionally after redis[s]://[user[:password]@]' });
    return z.NEVER;
  }
  const [, scheme, username, password] = match;
  return {
    seeds: seeds.map((seed) => ({ host: seed![1] ?? seed![2]!, port: Number(seed![3]) })),
    tls: scheme === 'rediss',
    ...(username && { username: decodeURIComponent(username) }),
    ...(password !== undefined && { password: decodeURIComponent(password) }),
  };
});
export type RedisClusterTarget = z.output<typeof redisClusterSchema>;

/** S3's bucket naming rules (lower case, 3-63 characters, no leading or trailing dot or dash). */
const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * What one `serve` process runs (README "Scaling out"): `ingest` takes MQTT readings (from the
 * bundled broker, or from --mqtt-source), `udp` the meter datagrams, `api` serves the client API,
 * `archiver` runs the archive schedule, `ui` the pages. `all`, the default, is every one of them in
 * one process, the workstation stack.
 */
export const ROLES = ['ingest', 'udp', 'api', 'archiver', 'ui'] as const;
export type Role = (typeof ROLES)[number];
const ROLE_CHOICES: readonly string[] = ['all', ...ROLES];

/** `ingest,udp` or ["ingest", "udp"] (the config file), in the order of ROLES, each once; `all` is every role. */
const rolesSchema = z.union([z.string(), z.array(z.string())]).transform((value, context): Role[] => {
  const names = (typeof value === 'string' ? value.split(',') : value).map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !ROLE_CHOICES.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what = names.length === 0 ? 'no role given' : `unknown role ${unknown.map((name) => JSON.stringify(name)).join(', ')}`;
    context.addIssue({ code: 'custom', message: `${what}: a comma-separated list of ${ROLE_CHOICES.join(', ')}` });
    return z.NEVER;
  }
  return names.includes('all') ? [...ROLES] : ROLES.filter((role) => names.includes(role));
});

/** Whether these roles are the whole stack (the default): the workstation's own Redis and broker, today's ready line. */
export function runsEverything(roles: readonly Role[]): boolean {
  return ROLES.every((role) => roles.includes(role));
}

/** Neither "/" nor the wildcards: the group is one level of `$share/<group>/<filter>`. */
const SHARE_GROUP = /^[^/+#\s]+$/;

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'sensor-workbench');
}

/** The whole configuration; every value has its default here and is validated here. */
const configFields = z.strictObject({
  dataDir: z.string().min(1).default(defaultDataDir),
  readOnly: z.boolean().default(false),
  /** What this process runs; see ROLES. */
  roles: rolesSchema.prefault('all'),
  http: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(0),
    })
    .prefault({}),
  /** The client API (API keys, throttling, usage statistics) on a listener of its own. */
  api: z
    .strictObject({
      /** Loopback by default: reaching it from the LAN takes an explicit host. */
      host: host.default('127.0.0.1'),
      port: port.default(8787),
      disabled: z.boolean().default(false),
    })
    .prefault({}),
  /** Prometheus /metrics on a listener of its own; null = off, 0 = any free port. */
  metrics: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.nullable().default(null),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      /** Beyond loopback only registered devices get in, unless allowLanAnonymous. */
      host: host.default('127.0.0.1'),
      /** MQTT over TCP, always on: the emulators publish through it. */
      port: port.default(1883),
      /** MQTT over WebSocket at path /mqtt; 0 picks a free port, null = off. */
      wsPort: port.nullable().default(null),
      /** MQTTS (MQTT over TLS); the usual port is 8883. */
      tlsPort: port.nullable().default(null),
      /** MQTT over secure WebSocket at path /mqtt. */
      wssPort: port.nullable().default(null),
      tls: z
        .strictObject({
          /** PEM server certificate (chain) and its unencrypted key, for tlsPort and wssPort; unset = the demo CA's, generated into <dataDir>/certificates. */
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
          /** PEM CA that signs client certificates; with it the TLS listeners ask clients for one (with the demo certificate the demo CA is it). */
          caFile: z.string().min(1).optional(),
          /** Mutual TLS: refuse TLS clients without a certificate signed by caFile (or the demo CA). */
          requireClientCert: z.boolean().default(false),
        })
        .prefault({}),
      /** Accept clients without credentials on a non-loopback host; on loopback they are always accepted. */
      allowLanAnonymous: z.boolean().default(false),
      /** Larger PUBLISH payloads are refused and their client disconnected; 256 KiB leaves room for big meter batches. */
      maxPayloadBytes: z.int().min(64).max(268_435_455).default(262_144),
      /** Deeper topics and filters are refused; the broker's own ceiling is 100. */
      maxTopicLevels: z.int().min(1).max(100).default(32),
      /** Clients connected at once; the next one is answered "server unavailable". */
      maxConnections: z.int().min(1).max(1_000_000).default(10_000),
      /** Messages per second one device may publish (burst of one second); a 3.1.1 client over it is disconnected, an MQTT 5 one answered 0x97. The workbench's emulators are exempt. */
      maxMessagesPerSecond: z.number().positive().max(1_000_000).default(2000),
      /** Longest keepalive a client may ask for; a longer one is refused (MQTT 5: answered with this as Server Keep Alive), so a dead connection is noticed within 1.5 times this. */
      maxKeepaliveSeconds: z.int().min(1).max(65_535).default(3600),
      /** Topic filters no client may subscribe to: the SUBACK carries a failure code. A comma-separated list on the command line. */
      denySubscribe: z
        .preprocess(
          (value) => (typeof value === 'string' ? value.split(',').map((filter) => filter.trim()).filter((filter) => filter !== '') : value),
          z.array(topicFilterSchema).max(64),
        )
        .default([]),
    })
    .prefault({})
    .superRefine((mqtt, context) => {
      if ((mqtt.tls.certFile === undefined) !== (mqtt.tls.keyFile === undefined)) {
        const path = mqtt.tls.certFile === undefined ? 'keyFile' : 'certFile';
        context.addIssue({ code: 'custom', path: ['tls', path], message: '--mqtt-tls-cert and --mqtt-tls-key go together (without both the demo CA\'s certificate is used)' });
      }
      // Without a CA, client certificates would be checked against the public roots: anyone holding one would get in.
      if (mqtt.tls.requireClientCert && mqtt.tls.certFile !== undefined && mqtt.tls.caFile === undefined) {
        context.addIssue({ code: 'custom', path: ['tls', 'requireClientCert'], message: 'with your own --mqtt-tls-cert, needs --mqtt-tls-ca, the CA that signs the client certificates' });
      }
    }),
  redis: z
    .strictObject({
      /** Use this Redis instead of starting the embedded one. */
      url: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
      /** Write to this Redis Cluster instead (README "Redis Cluster"); not with url. */
      cluster: redisClusterSchema.optional(),
      /** Port of the embedded redis-server; 0 picks a free one. */
      port: port.default(0),
      /** Append-only file in the data dir, so readings survive a restart of the app. */
      persistence: z.boolean().default(true),
      /**
       * When the embedded Redis syncs its append-only file to disk: every second (a Redis crash can
       * lose the last second of acknowledged readings), or before it answers each write.
       */
      fsync: z.enum(['everysec', 'always']).default('everysec'),
      /** A redis-server binary to use instead of searching PATH (also REDISMS_SYSTEM_BINARY). */
      systemBinary: z.string().min(1).optional(),
    })
    .prefault({})
    .superRefine((redis, context) => {
      if (redis.url !== undefined && redis.cluster !== undefined) context.addIssue({ code: 'custom', path: ['cluster'], message: 'is another Redis to write to than --redis-url: give one of the two' });
      if (redis.fsync !== 'always') return;
      if (redis.url !== undefined || redis.cluster !== undefined) context.addIssue({ code: 'custom', path: ['fsync'], message: 'applies to the embedded Redis only; set appendfsync on the Redis of --redis-url itself' });
      else if (!redis.persistence) context.addIssue({ code: 'custom', path: ['fsync'], message: 'needs --redis-persistence: without the append-only file there is nothing to sync' });
    }),
  /**
   * An outside MQTT broker (Mosquitto, EMQX, HiveMQ, …) as ingest's source instead of the bundled
   * one: MQTT 5 shared subscriptions `$share/<shareGroup>/<filter>` for each topic rule, in a
   * persistent session, acknowledged only once the reading is in Redis (README "An outside broker").
   */
  mqttSource: z
    .strictObject({
      /** mqtt[s]://[user:password@]host:port; unset = the bundled broker. */
      url: z.url({ protocol: /^mqtts?$/, message: 'must be an mqtt:// or mqtts:// URL (mqtt[s]://[user:password@]host:port)' }).optional(),
      /** The shared subscriptions' group: the workers of one group share the messages, each goes to one of them. */
      shareGroup: z.string().regex(SHARE_GROUP, { message: 'must be one topic level: no "/", "+", "#" or white space' }).default('sensor-workbench'),
      /** Unset: made once and kept in <dataDir>/mqtt-client-id, so a restarted worker takes its session back. */
      clientId: z.string().min(1).max(256).regex(/^[^\s]+$/, { message: 'must not contain white space' }).optional(),
      /** How long the broker keeps the session (subscriptions, unacknowledged and queued messages) of a worker that is gone; MQTT 5 Session Expiry Interval. */
      sessionExpirySeconds: z.int().min(1).max(4_294_967_295).default(3600),
      /**
       * MQTT 5 Receive Maximum: messages the broker sends before it waits for their PUBACKs. Bounds
       * what a worker killed mid-stream has written but not acknowledged: the broker sends those again.
       */
      receiveMaximum: z.int().min(1).max(65_535).default(1000),
      /** On SIGTERM, leave the group for good (unsubscribe, take what the broker still holds, end the session) instead of keeping the session for a restart. */
      leaveOnStop: z.boolean().default(false),
      /** Seconds between PINGREQs when nothing else is sent; a broker silent for 1.5 times this counts as gone. */
      keepaliveSeconds: z.int().min(5).max(65_535).default(30),
      tls: z
        .strictObject({
          /** PEM CA the broker's certificate is checked against; unset = the system's public roots. */
          caFile: z.string().min(1).optional(),
          /** PEM client certificate (chain) and its unencrypted key, for brokers that require one. */
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({})
    .superRefine((source, context) => {
      const { caFile, certFile, keyFile } = source.tls;
      if ((certFile === undefined) !== (keyFile === undefined)) {
        context.addIssue({ code: 'custom', path: ['tls', certFile === undefined ? 'certFile' : 'keyFile'], message: '--mqtt-source-cert and --mqtt-source-key go together' });
      }
      const tlsFile = caFile !== undefined ? 'caFile' : certFile !== undefined ? 'certFile' : null;
      if (tlsFile && !source.url?.startsWith('mqtts:')) {
        context.addIssue({ code: 'custom', path: ['tls', tlsFile], message: 'applies to an mqtts:// --mqtt-source only' });
      }
    }),
  emulator: z
    .strictObject({
      mode: z.enum(['none', 'thermostats', 'meters', 'all']).default('none'),
      /** Readings per second; the source document's cadence is 11 every 4 s. */
      rate: z.number().positive().max(1_000_000).default(11 / 4),
      /** Device ids run 1..devices; the document uses 5000. */
      devices: z.int().min(1).max(10_000_000).default(5000),
      qos: z.union([z.literal(0), z.literal(1)]).default(1),
      /** Emulated smart meters, ids D704206000001…; each sends one reading per meterIntervalSeconds of emulated time. */
      meters: z.int().min(1).max(1_000_000).default(20),
      /** The source document's cadence: one 300-second reading per meter every 5 minutes. */
      meterIntervalSeconds: z.int().min(1).max(DAY_SECONDS).default(300),
      /** Emulated time runs this many times faster than real time until it catches up with now. */
      meterSpeed: z.number().min(1).max(1_000_000).default(1),
      /** Emulated time starts this many days ago, so past buckets fill (and go stale) in a demo. */
      meterHistoryDays: z.number().min(0).max(366).default(0),
      meterTransport: z.enum(['udp', 'mqtt']).default('udp'),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      /** Readings held in memory while Redis is slow or away; past it publishers are slowed down. */
      bufferLimit: z.int().min(100).max(10_000_000).default(200_000),
      maxBatch: z.int().min(1).max(100_000).default(5000),
      maxPayloadBytes: z.int().min(64).max(268_435_455).default(4096),
      deadLetterCap: z.int().min(1).max(1_000_000).default(1000),
      /** How long shutdown waits for Redis to take what is still buffered. */
      shutdownFlushMs: z.int().min(0).max(600_000).default(10_000),
      /** Topic filter → handler, first match wins; the Topic rules page saves its edits to <dataDir>/topic-rules.json, which then wins over this. */
      topicRules: topicRulesSchema.default(() => [...DEFAULT_TOPIC_RULES]),
    })
    .prefault({}),
  model: z
    .strictObject({
      /** Prefix of the thermostat keys; empty so the source document's redis-cli queries work verbatim. */
      keyPrefix: z.string().regex(/^[^\s]*$/, { message: 'must not contain white space' }).default(''),
      /** `<app>:<env>` in front of the smart-meter keys, as in the source document. */
      namespace: z.string().regex(/^[^\s]+$/, { message: 'must be non-empty without white space' }).default('backend:dev'),
    })
    .prefault({}),
  index: z
    .strictObject({
      /** Keys per second an index build (or verify) walks at most, so ingest keeps its latency; see README "Unforeseen indexes". */
      buildRate: z.int().min(100).max(10_000_000).default(20_000),
      /**
       * SCAN COUNT of one build step: the keys one atomic step reads and writes, so the longest a step
       * holds Redis. 100 kept ingest's p99 at 10,000 readings/s within 2× during a 20,000 keys/s build
       * on a million hashes (npm run bench -- index); 500 made it 5-11×.
       */
      scanCount: z.int().min(10).max(10_000).default(100),
    })
    .prefault({}),
  energy: z
    .strictObject({
      /** Length of one energy bucket (one Redis list per meter per bucket); the document's is a day. */
      bucketSeconds: z.int().min(60).max(31 * DAY_SECONDS).default(DAY_SECONDS),
      /** A bucket is stale, and may be archived, once its end plus this much time has passed. */
      graceSeconds: z.int().min(0).max(31 * DAY_SECONDS).default(900),
      udpHost: host.default('127.0.0.1'),
      /** Port of the meter datagram listener; 0 picks a free one. */
      udpPort: port.default(41234),
      /** Larger datagrams and MQTT payloads are rejected; 65507 is the most one UDP datagram carries. */
      maxPayloadBytes: z.int().min(256).max(1_048_576).default(65_507),
    })
    .prefault({}),
  /** Recording the broker's traffic and replaying it into the pipeline (README "Record and replay"). */
  replay: z
    .strictObject({
      /** A recording stops (and says so) before its file would grow past this; 100 MiB by default. */
      recordMaxBytes: z.int().min(1024).max(1_099_511_627_776).default(104_857_600),
      /**
       * Lines held in memory while the disk is behind; past it messages are left out of the recording
       * and counted as dropped, rather than the broker waiting for the disk.
       */
      recordBufferBytes: z.int().min(65_536).max(1_073_741_824).default(16_777_216),
      /** In front of every key a replay writes unless it goes to the live keys; ends with ":" so no device id can name such a key. */
      keyPrefix: z
        .string()
        .regex(/^\S+:$/, { message: 'must be non-empty without white space and end with ":" (device ids have no ":", so no live key can look like a replay key)' })
        .default(DEFAULT_REPLAY_KEY_PREFIX),
      /** A replay file's line longer than this is skipped as oversize (a 256 KiB payload in base64 is about 350 KiB). */
      maxLineBytes: z.int().min(1024).max(67_108_864).default(1_048_576),
    })
    .prefault({}),
  archive: z
    .strictObject({
      /** Seconds between archive passes; 0 archives only when asked (Run now, POST /api/archive/run). */
      intervalSeconds: z.int().min(0).max(DAY_SECONDS).default(300),
      /** Buckets compressed and uploaded at the same time; 8 beat 4 by ~15 % in npm run bench (S3 round trips overlap). */
      concurrency: z.int().min(1).max(64).default(8),
      /** Pending-set entries asked for per SSCAN step. */
      scanCount: z.int().min(1).max(10_000).default(100),
      /**
       * The archiver lease (one archiver at a time across processes): how long a holder's lease lasts
       * without renewal. The holder renews it every third of this; a holder that dies is replaced
       * within two of these.
       */
      leaseMs: z.int().min(1000).max(600_000).default(15_000),
      s3: z
        .strictObject({
          /** S3-compatible endpoint (MinIO, s3rver); unset means AWS S3 itself. */
          endpoint: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
          region: z.string().min(1).default('us-east-1'),
          /** No bucket, no archiving: stale buckets stay in Redis and the Archive page says why. */
          bucket: z.string().regex(S3_BUCKET_NAME, { message: 'must be an S3 bucket name: 3-63 characters of a-z 0-9 . -' }).optional(),
          /** Prepended to every object key, e.g. "workbench/" to share a bucket. */
          keyPrefix: z.string().regex(/^[^\s]*$/, { message: 'must not contain white space' }).default(''),
          /** Unset: the AWS default chain (AWS_* variables, ~/.aws, instance roles). */
          accessKeyId: z.string().min(1).optional(),
          secretAccessKey: z.string().min(1).optional(),
          sessionToken: z.string().min(1).optional(),
          /** Path-style URLs (http://host/bucket/key), which MinIO and s3rver need. */
          pathStyle: z.boolean().default(false),
          createBucket: z.boolean().default(true),
        })
        .prefault({})
        .refine((s3) => (s3.accessKeyId === undefined) === (s3.secretAccessKey === undefined), {
          message: 'accessKeyId and secretAccessKey go together',
        }),
    })
    .prefault({}),
}).superRefine((config, context) => {
  // The only way a live key could look like a replay key: a meter namespace that begins like the replay prefix.
  const { keyPrefix } = config.replay;
  if (`${config.model.namespace}:`.startsWith(keyPrefix)) {
    context.addIssue({ code: 'custom', path: ['replay', 'keyPrefix'], message: `must not be where the meter namespace ${config.model.namespace} begins: replayed and live meter keys would be alike` });
  }
});

export const configSchema = configFields.superRefine((config, context) => {
  for (const problem of roleProblems(config)) context.addIssue({ code: 'custom', ...problem });
});

export type Config = z.output<typeof configSchema>;

/**
 * The settings a set of roles cannot run with. A process that is not the whole stack starts no
 * Redis of its own (the fleet shares one), so it needs a target; the emulators publish to the
 * bundled broker and are run from the pages.
 */
function roleProblems({ roles, redis, readOnly, mqttSource, emulator }: Pick<Config, 'roles' | 'redis' | 'readOnly' | 'mqttSource' | 'emulator'>): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  const named = roles.join(',');
  const whole = runsEverything(roles);
  if (!whole && redis.url === undefined && redis.cluster === undefined) {
    problems.push({ path: ['roles'], message: `role ${named} starts no Redis of its own: give it the Redis the other processes use (--redis-url or --redis-cluster)` });
  }
  const notOnCluster = roles.filter((role) => role !== 'ingest' && role !== 'udp');
  if (redis.cluster !== undefined && notOnCluster.length > 0) {
    problems.push({
      path: ['redis', 'cluster'],
      message: `is written by roles ingest and udp only; role ${notOnCluster.join(',')} does not work on a Redis Cluster yet: run it in its own process against a standalone Redis (--role ingest,udp for this one)`,
    });
  }
  const writing = roles.filter((role) => role !== 'ui');
  if (!whole && readOnly && writing.length > 0) {
    problems.push({ path: ['readOnly'], message: `role ${writing.join(',')} writes to Redis; a read-only process can only run role ui` });
  }
  if (mqttSource.url !== undefined && !roles.includes('ingest')) {
    problems.push({ path: ['mqttSource', 'url'], message: `is where role ingest takes readings from, and this process runs role ${named}` });
  }
  if (emulator.mode !== 'none' && (!roles.includes('ui') || !roles.includes('ingest') || mqttSource.url !== undefined)) {
    const why =
      mqttSource.url !== undefined
        ? 'the emulators publish to the bundled broker, which is off with --mqtt-source'
        : `the emulators are run from the pages (role ui) and publish to the bundled broker of role ingest; this process runs role ${named}`;
    problems.push({ path: ['emulator', 'mode'], message: why });
  }
  return problems;
}
export type ConfigInput = z.input<typeof configSchema>;
