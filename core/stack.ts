import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { Archiver } from './archive/archiver.js';
import { createS3Client, describeTarget } from './archive/s3-client.js';
import { startBroker, type Broker } from './broker/broker.js';
import { requiresAuthentication } from './broker/broker-exposure.js';
import type { ListenerAddress } from './broker/broker-listeners.js';
import type { TlsPem } from './broker/broker-tls.js';
import { loadOrCreateDemoCa, type DemoCa } from './certificates/certificate-authority.js';
import { loadOrCreateServerCertificate } from './certificates/server-certificate.js';
import { machineNames, parseServerNames, type ServerNames } from './certificates/server-names.js';
import { DeviceRegistry } from './devices/device-registry.js';
import type { RefusalSnapshot } from './devices/refusals.js';
import type { Config } from './config/schema.js';
import { MeterEmulator } from './emulator/meter-emulator.js';
import { ThermostatEmulator } from './emulator/thermostat-emulator.js';
import { FiguresSampler } from './app/figures-sampler.js';
import { inspectBackend } from './app/inspect-backend.js';
import { IngestThread } from './ingest/ingest-thread.js';
import { TopicRuleStore } from './ingest/topic-rule-store.js';
import { TopicRouter } from './ingest/topic-rules.js';
import { NOTHING_UNWRITTEN } from './ingest/write-buffer.js';
import { openRedis, redactUrl } from './redis/connect.js';
import { ReadOnlyRefusal } from './redis/command-table.js';
import { BUILT_IN_ID, ConnectionManager } from './connections/connection-manager.js';
import { connectionSettingsSchema, type StoredSecrets } from './domain/connection.js';
import { Conflict } from './domain/errors.js';
import { parseRedisUrl } from './connections/connection-settings.js';
import { ConnectionStore } from './connections/connection-store.js';
import { startInspection, stopInspection, type Inspection } from './connections/inspection.js';
import { secretBoxFromEnvironment, type SecretBox } from './connections/secret-box.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';
import type { ActiveConnection } from './api/connections.js';
import type {
  ArchivedObjects,
  ArchiveStatus,
  ArchiveTarget,
  PendingBuckets,
  S3ConnectionCheck,
} from './api/archive.js';
import type { ConnectionSettings } from './domain/connection.js';
import type {
  EmulatorCommand,
  EmulatorStatus,
  PartStatus,
  StackStatus,
} from './api/status.js';
import type {
  EnergyReadings,
  EnergySeries,
  MeterEmulatorCommand,
  MeterEmulatorStatus,
  MeterList,
} from './api/energy.js';
import type { TopicRule } from './domain/topic-rule.js';
import type { TopicRulesView } from './api/devices.js';
import { startHttpServer, type HttpServer } from './server/http-server.js';
import type { ApiBackend, InspectBackend, LiveBroker } from './server/api-backend.js';
import { EMULATOR_PRESETS } from './emulator/presets.js';
import { createKeySchema, type KeySchema } from './model/keys.js';
import type { EnergyS3Target } from './query/energy-query.js';
import { listMeters } from './query/meters.js';

export interface StackAddresses {
  http: string;
  /** MQTT over TCP; the other MQTT listeners appear only when they are on. */
  mqtt: string;
  mqttWs?: string;
  mqtts?: string;
  mqttWss?: string;
  redis: string;
  /** The meter datagram listener; absent in read-only mode, where nothing is ingested. */
  udp?: string;
}

export interface StopReport {
  /** Readings Redis did not take before the flush deadline, saved to these files (none when all were written). */
  unwrittenFiles: string[];
  unwritten: number;
}

type Log = (line: string) => void;

export interface StackOptions {
  log: Log;
  /** The built renderer to serve over HTTP (browser mode and the desktop window alike). */
  rendererDir: string | null;
  /** Encrypts saved connections' secrets; the desktop shell passes one backed by safeStorage, `serve` uses SW_SECRET_KEY. */
  secretBox?: SecretBox;
}

/** The running pieces, in start order. */
interface StackParts {
  config: Config;
  keys: KeySchema;
  redisUrl: string;
  embeddedRedis: EmbeddedRedis | null;
  redis: Redis;
  broker: Broker;
  ingest: IngestThread | null;
  figures: FiguresSampler;
  archiver: Archiver;
  /** Where the workbench's own energy archive lives, for queries over its history. */
  energyArchive: EnergyS3Target | null;
  s3: S3Client | null;
  connections: ConnectionManager;
  devices: DeviceRegistry;
  certificateAuthority: () => Promise<DemoCa>;
  topicRules: TopicRuleStore;
  log: Log;
}

/**
 * The whole local stack in start order: Redis, broker, ingest, figures, HTTP API, emulator. The CLI
 * and the Electron shell each hold one of these and nothing else.
 */
export class Stack implements ApiBackend {
  private emulator: ThermostatEmulator | null = null;
  private meterEmulator: MeterEmulator | null = null;
  private readonly startedAt = Date.now();
  private http: HttpServer | null = null;
  readonly config: Config;
  readonly token = randomBytes(24).toString('base64url');
  /** The devices allowed on the bundled broker, in the workbench's own Redis. */
  readonly devices: DeviceRegistry;
  private inspecting: Inspection;
  readonly inspect: InspectBackend;
  /** A switch in progress: the next waits for it, so two quick choices end on the last one. */
  private switching: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly parts: StackParts,
    inspection: Inspection,
  ) {
    this.config = parts.config;
    this.devices = parts.devices;
    this.inspecting = inspection;
    this.inspect = inspectBackend({ inspection: () => this.inspecting, connections: parts.connections });
  }

  static async start(config: Config, { log, rendererDir, secretBox = secretBoxFromEnvironment() }: StackOptions): Promise<Stack> {
    const embeddedRedis = config.redis.url
      ? null
      : await startEmbeddedRedis({
          dataDir: config.dataDir,
          port: config.redis.port,
          persistence: config.redis.persistence,
          systemBinary: config.redis.systemBinary,
        });
    const redisUrl = config.redis.url ?? embeddedRedis!.url;
    const keys = createKeySchema(config.model);
    const cleanup: Array<() => Promise<unknown>> = [];
    if (embeddedRedis) cleanup.push(() => embeddedRedis.stop());
    try {
      const redis = await openRedis(redisUrl, { connectionName: 'sensor-workbench:api' });
      cleanup.push(() => redis.quit().catch(() => redis.disconnect()));
      const store = await ConnectionStore.open(join(config.dataDir, 'connections.json'), secretBox);
      const connections = await ConnectionManager.create(store, { ...builtInConnection(config, redisUrl, embeddedRedis !== null), client: redis });
      const devices = new DeviceRegistry(redis, keys);
      const certificateAuthority = demoCaLoader(join(config.dataDir, CERTIFICATES_DIR));
      const { host, port, wsPort, tlsPort, wssPort, allowLanAnonymous, maxPayloadBytes, maxTopicLevels, maxConnections, maxMessagesPerSecond, maxKeepaliveSeconds } = config.mqtt;
      const broker = await startBroker({
        host,
        port,
        wsPort,
        tlsPort,
        wssPort,
        tls: config.mqtt.tls.certFile === undefined && (tlsPort !== null || wssPort !== null) ? await demoTls(config, await certificateAuthority()) : config.mqtt.tls,
        allowLanAnonymous,
        devices,
        limits: { maxPayloadBytes, maxTopicLevels, maxConnections, maxMessagesPerSecond, maxKeepaliveSeconds },
      });
      cleanup.push(() => broker.close());
      const topicRules = await TopicRuleStore.open(join(config.dataDir, TOPIC_RULES_FILE), config.ingest.topicRules);
      const ingest = config.readOnly
        ? null
        : await IngestThread.start({
            source: broker,
            redisUrl,
            model: config.model,
            settings: { ...config.ingest, topicRules: [...topicRules.rules] },
            energy: config.energy,
            listenUdp: true,
            log,
          });
      if (ingest) cleanup.push(() => ingest.stop());
      const s3 = config.archive.s3.bucket === undefined ? null : createS3Client(config.archive.s3);
      if (s3) cleanup.push(async () => s3.destroy());
      const archiver = new Archiver({ redis, keys, energy: config.energy, archive: config.archive, log });
      if (!config.readOnly) archiver.start();
      cleanup.push(() => archiver.stop());
      const energyArchive = s3 && { client: s3, bucket: config.archive.s3.bucket!, keyPrefix: config.archive.s3.keyPrefix };
      const inspection = await startInspection(await connections.open(BUILT_IN_ID), { bucketSeconds: config.energy.bucketSeconds, s3: energyArchive });
      cleanup.push(() => stopInspection(inspection));
      const figures = new FiguresSampler({
        ingest,
        redis,
        bufferLimit: config.ingest.bufferLimit,
        mqttClients: () => broker.connectedClients(),
      });
      figures.start();
      const stack = new Stack(
        { config, keys, redisUrl, embeddedRedis, redis, broker, ingest, figures, archiver, energyArchive, s3, connections, devices, certificateAuthority, topicRules, log },
        inspection,
      );
      stack.http = await startHttpServer({ backend: stack, host: config.http.host, port: config.http.port, token: stack.token, rendererDir, log });
      const { mode } = config.emulator;
      if (mode === 'thermostats' || mode === 'all') await stack.controlEmulator({ action: 'start' });
      if (mode === 'meters' || mode === 'all') await stack.controlMeterEmulator({ action: 'start' });
      return stack;
    } catch (error) {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  /** The connection every page reads from right now. */
  inspection(): Inspection {
    return this.inspecting;
  }

  get connections(): ConnectionManager {
    return this.parts.connections;
  }

  /** Points every page at another connection; the current one stays when the new one cannot be opened. */
  activateConnection(id: string): Promise<ActiveConnection> {
    const next = this.switching.then(async () => {
      const inspection = await startInspection(await this.parts.connections.open(id), {
        bucketSeconds: this.config.energy.bucketSeconds,
        s3: id === BUILT_IN_ID ? this.parts.energyArchive : null,
      });
      const previous = this.inspecting;
      this.inspecting = inspection;
      await stopInspection(previous);
      this.parts.log(`pages now read from ${inspection.connection.name} (${inspection.connection.address}${inspection.connection.readOnly ? ', read-only' : ''})`);
      return inspection.connection;
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  /** The demo CA in <dataDir>/certificates, created on first use; it signs device certificates. */
  certificateAuthority(): Promise<DemoCa> {
    return this.parts.certificateAuthority();
  }

  /** The listeners as a device on the network reaches them: an "any address" bind is shown as this machine's LAN address. */
  brokerEndpoints(): ListenerAddress[] {
    return this.parts.broker.listeners.map(reachableFromDevices);
  }

  refusals(): RefusalSnapshot {
    return this.parts.broker.refusals();
  }

  /** The device can no longer connect: the broker drops its cached access and disconnects it. */
  deviceRemoved(id: string): void {
    this.parts.broker.deviceChanged(id);
  }

  /** The bundled broker, for its live view. */
  liveBroker(): LiveBroker {
    return this.parts.broker;
  }

  addresses(): StackAddresses {
    const udp = this.parts.ingest?.udpUrl;
    return {
      http: `${this.http!.url}/?token=${this.token}`,
      mqtt: this.parts.broker.url,
      ...this.secondaryMqttAddresses(),
      redis: redactUrl(this.parts.redisUrl),
      ...(udp && { udp }),
    };
  }

  status(): StackStatus {
    const running = (address: string | null, detail: string | null = null): PartStatus => ({ state: 'running', address, detail });
    const emulator = this.emulator?.status() ?? null;
    const meterEmulator = this.meterEmulator?.status() ?? null;
    const udp = this.parts.ingest?.udpUrl ?? null;
    const archive = describeTarget(this.config.archive.s3);
    return {
      startedAt: this.startedAt,
      readOnly: this.inspecting.connection.readOnly,
      connection: this.inspecting.connection,
      parts: {
        redis:
          this.parts.redis.status === 'ready'
            ? running(redactUrl(this.parts.redisUrl), this.parts.embeddedRedis ? `embedded, ${this.parts.embeddedRedis.binary}` : 'external')
            : { state: 'failed', address: redactUrl(this.parts.redisUrl), detail: `not reachable (connection ${this.parts.redis.status}); the workbench keeps retrying` },
        broker: running(this.parts.broker.url, describeBroker(this.parts.broker)),
        ingest: this.parts.ingest?.failure
          ? { state: 'failed', address: null, detail: this.parts.ingest.failure }
          : this.parts.ingest
          ? running(null, `${describeTopicRules(this.parts.topicRules.rules)}; UDP → energy buckets (worker thread)`)
          : { state: 'stopped', address: null, detail: 'read-only mode: nothing is written to Redis' },
        emulator: emulator?.running
          ? running(this.parts.broker.url, `thermostats on ${this.parts.broker.url}`)
          : { state: 'stopped', address: null, detail: null },
        udp: udp
          ? running(udp, `meter datagrams → energy buckets of ${this.config.energy.bucketSeconds} s in ${this.parts.keys.namespace}`)
          : { state: 'stopped', address: null, detail: 'read-only mode: nothing is written to Redis' },
        meterEmulator: meterEmulator?.running
          ? running(meterEmulator.transport === 'udp' ? udp : this.parts.broker.url, `${meterEmulator.meters} meters over ${meterEmulator.transport}`)
          : { state: 'stopped', address: null, detail: null },
        archive: this.archivePart(archive),
      },
      emulator,
      meterEmulator,
      figures: this.parts.figures.snapshot(),
    };
  }

  async controlEmulator(command: EmulatorCommand): Promise<EmulatorStatus | null> {
    if (command.action !== 'stop') this.refuseWrites('the emulator cannot write');
    const changes = {
      ...(command.preset !== undefined && EMULATOR_PRESETS[command.preset]),
      ...(command.rate !== undefined && { rate: command.rate }),
      ...(command.devices !== undefined && { devices: command.devices }),
      ...(command.hotShare !== undefined && { hotShare: command.hotShare }),
    };
    if (command.action === 'stop') {
      await this.emulator?.stop();
      return this.emulator?.status() ?? null;
    }
    this.emulator ??= new ThermostatEmulator({ brokerUrl: this.parts.broker.url, credentials: this.parts.broker.internalCredentials, ...this.config.emulator, ...changes });
    this.emulator.reconfigure(changes);
    if (command.action === 'start') await this.emulator.start();
    return this.emulator.status();
  }

  async controlMeterEmulator(command: MeterEmulatorCommand): Promise<MeterEmulatorStatus | null> {
    if (command.action !== 'stop') this.refuseWrites('the meter emulator cannot write');
    const changes = {
      ...(command.meters !== undefined && { meters: command.meters }),
      ...(command.speed !== undefined && { speed: command.speed }),
      ...(command.historyDays !== undefined && { historyDays: command.historyDays }),
      ...(command.transport !== undefined && { transport: command.transport }),
    };
    if (command.action === 'stop') {
      await this.meterEmulator?.stop();
      return this.meterEmulator?.status() ?? null;
    }
    this.meterEmulator ??= this.createMeterEmulator();
    await this.meterEmulator.reconfigure(changes);
    if (command.action === 'start') await this.meterEmulator.start();
    return this.meterEmulator.status();
  }

  listMeters(limit: number): Promise<MeterList> {
    const { client, keys } = this.inspecting;
    return listMeters(client, keys, limit);
  }

  energySeries(deviceId: string, fromSeconds: number, toSeconds: number, intervalSeconds: number): Promise<EnergySeries> {
    return this.inspecting.energy.series(deviceId, fromSeconds, toSeconds, intervalSeconds);
  }

  energyReadings(deviceId: string, fromSeconds: number, toSeconds: number, limit: number): Promise<EnergyReadings> {
    return this.inspecting.energy.readings(deviceId, fromSeconds, toSeconds, limit);
  }

  archiveStatus(): Promise<ArchiveStatus> {
    return this.parts.archiver.status();
  }

  async startArchiveRun(): Promise<ArchiveStatus> {
    this.refuseWrites('archiving deletes archived buckets from Redis, so it is off');
    const status = await this.parts.archiver.status();
    if (!status.configured) throw new Conflict(status.reason ?? 'the archive is not configured');
    void this.parts.archiver.runNow('manual').catch(() => undefined);
    return this.parts.archiver.status();
  }

  pendingBuckets(cursor: string, count: number): Promise<PendingBuckets> {
    return this.parts.archiver.pending(cursor, count);
  }

  archivedObjects(after: string | null): Promise<ArchivedObjects> {
    return this.parts.archiver.objects(after);
  }

  topicRules(): TopicRulesView {
    const { topicRules, ingest, keys } = this.parts;
    const tally = ingest?.topicRules() ?? new TopicRouter(topicRules.rules).tally();
    return {
      ...tally,
      origin: topicRules.origin,
      file: topicRules.path,
      locked: ingest ? null : 'read-only mode: nothing is ingested, so there is nothing to route',
      hashKeyPattern: keys.topicHash('<topic>'),
    };
  }

  async saveTopicRules(rules: TopicRule[]): Promise<TopicRulesView> {
    const { ingest, topicRules, log } = this.parts;
    if (!ingest) throw new ReadOnlyRefusal('read-only mode: nothing is ingested, so the topic rules cannot be changed');
    await topicRules.save(rules);
    ingest.setTopicRules(rules);
    log(`topic rules saved to ${topicRules.path}: ${describeTopicRules(rules)}`);
    return this.topicRules();
  }

  testS3Connection(): Promise<S3ConnectionCheck> {
    return this.parts.archiver.checkConnection();
  }

  /** Stop taking readings, flush them, then stop the servers and the embedded Redis. */
  async stop(): Promise<StopReport> {
    await this.emulator?.stop();
    await this.meterEmulator?.stop();
    await this.parts.broker.close();
    const unwritten = (await this.parts.ingest?.stop()) ?? NOTHING_UNWRITTEN;
    await this.parts.archiver.stop();
    this.parts.s3?.destroy();
    this.parts.figures.stop();
    await this.http?.close();
    await this.switching;
    await stopInspection(this.inspecting);
    await this.parts.redis.quit().catch(() => this.parts.redis.disconnect());
    await this.parts.embeddedRedis?.stop();
    const files = [
      await this.saveUnwritten('thermostats', unwritten.thermostats.map(({ receivedAt: _receivedAt, ...reading }) => JSON.stringify(reading))),
      await this.saveUnwritten('meters', unwritten.meters.map(({ deviceId, json }) => `{"deviceId":${JSON.stringify(deviceId)},"reading":${json}}`)),
      await this.saveUnwritten('topic-hashes', unwritten.topicHashes.map(({ topic, fields }) => JSON.stringify({ topic, fields }))),
    ].filter((file) => file !== null);
    return { unwrittenFiles: files, unwritten: unwritten.thermostats.length + unwritten.meters.length + unwritten.topicHashes.length };
  }

  /**
   * The emulators and the archiver write to the workbench's own Redis only, and not while it is
   * read-only; while the pages show another connection they refuse, so nobody starts them believing
   * they feed what is on screen.
   */
  private refuseWrites(what: string): void {
    if (this.config.readOnly) throw new Conflict(`read-only mode: ${what}`);
    const { connection } = this.inspecting;
    if (connection.builtIn) return;
    throw new Conflict(`${what} here: the pages show ${connection.name}, and the emulators and the archive write only to the workbench's own Redis; switch back to it on the Connections page`);
  }

  private async saveUnwritten(kind: string, lines: string[]): Promise<string | null> {
    if (lines.length === 0) return null;
    const dir = join(this.config.dataDir, 'unwritten');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${kind}-${new Date().toISOString().replaceAll(':', '-')}.ndjson`);
    await writeFile(file, lines.join('\n') + '\n');
    this.parts.log(`Redis did not take ${lines.length} ${kind} readings before shutdown; they are saved in ${file}`);
    return file;
  }

  private createMeterEmulator(): MeterEmulator {
    const udp = this.parts.ingest?.udpUrl;
    const { meters, meterIntervalSeconds, meterSpeed, meterHistoryDays, meterTransport } = this.config.emulator;
    return new MeterEmulator({
      udp: udp ? udpTarget(udp) : null,
      brokerUrl: this.parts.broker.url,
      credentials: this.parts.broker.internalCredentials,
      meters,
      intervalSeconds: meterIntervalSeconds,
      speed: meterSpeed,
      historyDays: meterHistoryDays,
      transport: meterTransport,
    });
  }

  private secondaryMqttAddresses(): Pick<StackAddresses, 'mqttWs' | 'mqtts' | 'mqttWss'> {
    const keys = { ws: 'mqttWs', mqtts: 'mqtts', wss: 'mqttWss' } as const;
    return Object.fromEntries(
      this.parts.broker.listeners.flatMap(({ protocol, url }) => (protocol === 'mqtt' ? [] : [[keys[protocol], url]])),
    );
  }

  private archivePart(target: ArchiveTarget | null): PartStatus {
    if (this.config.readOnly) return { state: 'stopped', address: null, detail: 'read-only mode: nothing is archived' };
    if (!target) return { state: 'stopped', address: null, detail: 'no S3 bucket set (--s3-bucket)' };
    const where = `s3://${target.bucket}/${target.keyPrefix}energy/`;
    const every = this.config.archive.intervalSeconds > 0 ? `every ${this.config.archive.intervalSeconds} s` : 'on demand';
    return { state: 'running', address: target.endpoint ?? `AWS S3 ${target.region}`, detail: `stale buckets → ${where}, ${every}` };
  }
}

function describeTopicRules(rules: readonly TopicRule[]): string {
  return rules.length === 0 ? 'no topic rules: MQTT messages are not stored' : rules.map(({ filter, handler }) => `${filter} → ${handler}`).join(', ');
}

/** Where the demo CA and the broker's generated certificate live, inside the data dir. */
const CERTIFICATES_DIR = 'certificates';
/** The Topic rules page's saved table, inside the data dir. */
const TOPIC_RULES_FILE = 'topic-rules.json';

/** The demo CA, loaded or created once; a failure is not kept, so fixing the files and retrying works. */
function demoCaLoader(dir: string): () => Promise<DemoCa> {
  let loading: Promise<DemoCa> | null = null;
  return () => {
    loading ??= loadOrCreateDemoCa(dir).catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}

/**
 * TLS listeners without --mqtt-tls-cert: a server certificate from the demo CA for every name of
 * this machine, and the demo CA as the client CA, so the device certificates the UI issues verify.
 */
async function demoTls(config: Config, ca: DemoCa): Promise<TlsPem> {
  const { cert, key } = await loadOrCreateServerCertificate(join(config.dataDir, CERTIFICATES_DIR), ca, brokerNames(config.mqtt.host));
  return { cert, key, ca: ca.cert, requireClientCert: config.mqtt.tls.requireClientCert };
}

/** The machine's names, plus --mqtt-host when it names one address or host rather than all interfaces. */
function brokerNames(host: string): ServerNames {
  const names = machineNames();
  if (host === '0.0.0.0' || host === '::') return names;
  const own = isIP(host) === 0 ? { hostnames: [host], addresses: [] } : { hostnames: [], addresses: [host] };
  return parseServerNames({ hostnames: [...names.hostnames, ...own.hostnames], addresses: [...names.addresses, ...own.addresses] });
}

/** Every MQTT listener with its client-certificate rule, who may connect, and the refusals so far, for the Overview. */
function describeBroker(broker: Broker): string {
  const certificates = { required: ', client certificate required', optional: ', client certificate optional', none: '' } as const;
  const urls = broker.listeners.map(({ url, clientCertificates }) => `${url}${certificates[clientCertificates]}`).join('; ');
  const { host } = broker.listeners[0]!;
  const anonymous = !broker.anonymousAllowed
    ? 'anonymous clients refused'
    : requiresAuthentication(host)
      ? 'anonymous clients from the network allowed (--mqtt-allow-lan-anonymous)'
      : 'anonymous clients allowed (loopback only)';
  return `${urls}; authentication: registered devices, ${anonymous}; ${broker.refusals().total} refused`;
}

function udpTarget(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** The workbench's own Redis as the connection list shows it; writable unless --read-only. */
function builtInConnection(config: Config, redisUrl: string, embedded: boolean): { settings: ConnectionSettings; secrets: StoredSecrets } {
  const { settings: fromUrl, password } = parseRedisUrl(redisUrl);
  const settings = connectionSettingsSchema.parse({
    ...fromUrl,
    name: embedded ? 'Workbench Redis (embedded)' : 'Workbench Redis (--redis-url)',
    readOnly: config.readOnly,
    schema: { keyPrefix: config.model.keyPrefix, namespace: config.model.namespace },
  });
  return { settings: settings as ConnectionSettings, secrets: password === undefined ? {} : { password } };
}

function reachableFromDevices(listener: ListenerAddress): ListenerAddress {
  if (listener.host !== '0.0.0.0' && listener.host !== '::') return listener;
  const host = lanAddress() ?? '127.0.0.1';
  const url = new URL(listener.url);
  url.hostname = host;
  return { ...listener, host, url: url.toString().replace(/\/$/, '') };
}

/** The first external IPv4 address: what a device on the same LAN would dial. */
function lanAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (external) return external.address;
  }
  return null;
}
