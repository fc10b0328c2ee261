import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiAccess } from '../api-access/api-access.js';
import type { StackStatus } from '../api/status.js';
import { Archiver } from '../archive/archiver.js';
import { createS3Client } from '../archive/s3-client.js';
import { startBroker, type Broker } from '../broker/broker.js';
import type { TlsPem } from '../broker/broker-tls.js';
import type { DemoCa } from '../certificates/certificate-authority.js';
import { demoCaLoader, demoServerTls } from '../certificates/demo-tls.js';
import type { Config } from '../config/schema.js';
import { BUILT_IN_ID, ConnectionManager } from '../connections/connection-manager.js';
import { parseRedisUrl } from '../connections/connection-settings.js';
import { ConnectionStore } from '../connections/connection-store.js';
import { startInspection, stopInspection } from '../connections/inspection.js';
import { indexBuildSettings } from './index-backend.js';
import { secretBoxFromEnvironment, type SecretBox } from '../connections/secret-box.js';
import { DeviceRegistry } from '../devices/device-registry.js';
import { connectionSettingsSchema, type ConnectionSettings, type StoredSecrets } from '../domain/connection.js';
import { IngestThread } from '../ingest/ingest-thread.js';
import { TopicRuleStore } from '../ingest/topic-rule-store.js';
import { NOTHING_UNWRITTEN } from '../ingest/write-buffer.js';
import { createKeySchema } from '../model/keys.js';
import { openRedis, redactUrl } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { refuseUnusableWriteTarget } from '../redis/write-target-check.js';
import { startClientApiServer, type ClientApiServer } from '../server/client-api-server.js';
import { startHttpServer, type HttpServer } from '../server/http-server.js';
import { apiKeyManagement } from './api-key-management.js';
import { clientApiBackend } from './client-api-backend.js';
import { startMetricsListener, type MetricsListener } from '../server/metrics-listener.js';
import { ExportService } from './export-service.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { FiguresSampler } from './figures-sampler.js';
import { saveUnwritten, type StopReport } from './shutdown.js';
import { StackBackend } from './stack-backend.js';
import { stackMetrics } from './stack-metrics.js';
import type { Log, StackParts } from './stack-parts.js';

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
  /** The client API; absent with --no-api. */
  api?: string;
  /** Prometheus /metrics, with --metrics-port only. */
  metrics?: string;
}

export interface StackOptions {
  log: Log;
  /** The built renderer to serve over HTTP (browser mode and the desktop window alike). */
  rendererDir: string | null;
  /** Encrypts saved connections' secrets; the desktop shell passes one backed by safeStorage, `serve` uses SW_SECRET_KEY. */
  secretBox?: SecretBox;
}

/** The Topic rules page's saved table, inside the data dir. */
const TOPIC_RULES_FILE = 'topic-rules.json';

/** Undoes the steps that did start when a later one fails, last first. */
type Cleanup = Array<() => Promise<unknown>>;

/**
 * The whole local stack in start order: Redis, broker, ingest, archive, figures, HTTP API, emulator.
 * The CLI and the Electron shell each hold one of these and nothing else; what the API does with
 * the parts is the backend's.
 */
export class Stack {
  readonly config: Config;

  private constructor(
    private readonly parts: StackParts,
    readonly backend: StackBackend,
    private readonly http: HttpServer,
    private readonly clientApi: ClientApiServer | null,
    /** The per-launch token every API request carries. */
    readonly token: string,
    private readonly dataDirLock: DataDirLock,
    private readonly metrics: MetricsListener | null,
  ) {
    this.config = parts.config;
  }

  static async start(config: Config, { log, rendererDir, secretBox = secretBoxFromEnvironment() }: StackOptions): Promise<Stack> {
    const dataDirLock = await acquireDataDirLock(config.dataDir, log);
    const cleanup: Cleanup = [() => dataDirLock.release()];
    try {
      const parts = await startParts(config, log, secretBox, cleanup);
      const inspection = await startInspection(await parts.connections.open(BUILT_IN_ID), { bucketSeconds: config.energy.bucketSeconds, s3: parts.energyArchive, index: indexBuildSettings(config), log });
      cleanup.push(() => stopInspection(inspection));
      const clientApi = await startClientApi(parts);
      if (clientApi) cleanup.push(() => clientApi.close());
      const backend = new StackBackend(parts, inspection, Date.now(), apiKeyManagement(parts, clientApi?.url ?? null));
      const token = randomBytes(24).toString('base64url');
      const http = await startHttpServer({ backend, host: config.http.host, port: config.http.port, token, rendererDir, log });
      cleanup.push(() => http.close());
      const metrics = config.metrics.port === null ? null : await startMetricsListener(config.metrics.host, config.metrics.port, stackMetrics(parts));
      const stack = new Stack(parts, backend, http, clientApi, token, dataDirLock, metrics);
      const { mode } = config.emulator;
      if (mode === 'thermostats' || mode === 'all') await backend.controlEmulator({ action: 'start' });
      if (mode === 'meters' || mode === 'all') await backend.controlMeterEmulator({ action: 'start' });
      return stack;
    } catch (error) {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  addresses(): StackAddresses {
    const udp = this.parts.ingest?.udpUrl;
    return {
      http: `${this.http.url}/?token=${this.token}`,
      mqtt: this.parts.broker.url,
      ...secondaryMqttAddresses(this.parts.broker),
      redis: redactUrl(this.parts.redisUrl),
      ...(udp && { udp }),
      ...(this.clientApi && { api: this.clientApi.url }),
      ...(this.metrics && { metrics: this.metrics.url }),
    };
  }

  status(): StackStatus {
    return this.backend.status();
  }

  /** Stop taking readings, flush them, then stop the servers and the embedded Redis. */
  async stop(): Promise<StopReport> {
    const { broker, ingest, archiver, s3, figures, apiAccess, exports, redis, embeddedRedis, config, log } = this.parts;
    await this.backend.stopEmulators();
    await broker.close();
    const unwritten = (await ingest?.stop()) ?? NOTHING_UNWRITTEN;
    await archiver.stop();
    s3?.destroy();
    figures.stop();
    await this.clientApi?.close();
    await this.http.close();
    await exports.close();
    await apiAccess.stop();
    await this.metrics?.close();
    await this.backend.closeInspection();
    await redis.quit().catch(() => redis.disconnect());
    await embeddedRedis?.stop();
    const report = await saveUnwritten(config.dataDir, unwritten, log);
    await this.dataDirLock.release();
    return report;
  }
}

/** Redis, the stores on it, the broker, ingest, the archive and the figures, in that order. */
async function startParts(config: Config, log: Log, secretBox: SecretBox, cleanup: Cleanup): Promise<StackParts> {
  const embeddedRedis = config.redis.url
    ? null
    : await startEmbeddedRedis({ dataDir: config.dataDir, log, port: config.redis.port, persistence: config.redis.persistence, fsync: config.redis.fsync, systemBinary: config.redis.systemBinary });
  if (embeddedRedis) cleanup.push(() => embeddedRedis.stop());
  const redisUrl = config.redis.url ?? embeddedRedis!.url;
  const keys = createKeySchema(config.model);
  const redis = await openRedis(redisUrl, { connectionName: 'sensor-workbench:api' });
  cleanup.push(() => redis.quit().catch(() => redis.disconnect()));
  // Before anything is written: a target that would refuse every batch stops the start instead.
  if (!config.readOnly) await refuseUnusableWriteTarget(redisUrl, keys);
  const store = await ConnectionStore.open(join(config.dataDir, 'connections.json'), secretBox);
  const connections = await ConnectionManager.create(store, { ...builtInConnection(config, redisUrl, embeddedRedis !== null), client: redis });
  const devices = new DeviceRegistry(redis, keys);
  const certificateAuthority = demoCaLoader(config.dataDir);
  const broker = await startBundledBroker(config, devices, certificateAuthority, !config.readOnly);
  cleanup.push(() => broker.close());
  const topicRules = await TopicRuleStore.open(join(config.dataDir, TOPIC_RULES_FILE), config.ingest.topicRules);
  const ingest = config.readOnly
    ? null
    : await IngestThread.start({ source: broker, redisUrl, model: config.model, settings: { ...config.ingest, topicRules: [...topicRules.rules] }, energy: config.energy, listenUdp: true, log });
  if (ingest) cleanup.push(() => ingest.stop());
  const s3 = config.archive.s3.bucket === undefined ? null : createS3Client(config.archive.s3);
  if (s3) cleanup.push(async () => s3.destroy());
  const archiver = new Archiver({ redis, keys, energy: config.energy, archive: config.archive, log });
  if (!config.readOnly) archiver.start();
  cleanup.push(() => archiver.stop());
  const energyArchive = s3 && { client: s3, bucket: config.archive.s3.bucket!, keyPrefix: config.archive.s3.keyPrefix };
  const figures = new FiguresSampler({ ingest, redis, bufferLimit: config.ingest.bufferLimit, mqttClients: () => broker.connectedClients() });
  figures.start();
  cleanup.push(async () => figures.stop());
  const apiAccess = new ApiAccess(redis, keys, log);
  cleanup.push(() => apiAccess.stop());
  const exports = new ExportService({ config, connections, broker });
  cleanup.push(() => exports.close());
  return { config, keys, redisUrl, embeddedRedis, redis, broker, ingest, figures, archiver, energyArchive, s3, connections, devices, certificateAuthority, topicRules, apiAccess, exports, log };
}

/** Off with --no-api, and in read-only mode: its throttle and usage counters are writes. */
async function startClientApi(parts: StackParts): Promise<ClientApiServer | null> {
  const { config, apiAccess, log } = parts;
  if (config.api.disabled) return null;
  if (config.readOnly) {
    log('client API off: read-only mode, and its throttle and usage counters write to Redis');
    return null;
  }
  return startClientApiServer({ backend: clientApiBackend(parts, apiAccess), host: config.api.host, port: config.api.port, log });
}

async function startBundledBroker(config: Config, devices: DeviceRegistry, certificateAuthority: () => Promise<DemoCa>, awaitIngest: boolean): Promise<Broker> {
  const { host, port, wsPort, tlsPort, wssPort, allowLanAnonymous, maxPayloadBytes, maxTopicLevels, maxConnections, maxMessagesPerSecond, maxKeepaliveSeconds } = config.mqtt;
  return startBroker({
    host,
    port,
    wsPort,
    tlsPort,
    wssPort,
    tls: await brokerTls(config, certificateAuthority),
    allowLanAnonymous,
    devices,
    limits: { maxPayloadBytes, maxTopicLevels, maxConnections, maxMessagesPerSecond, maxKeepaliveSeconds },
    awaitIngest,
  });
}

/** The user's own certificate files, or — for TLS listeners without --mqtt-tls-cert — one from the demo CA. */
async function brokerTls(config: Config, certificateAuthority: () => Promise<DemoCa>): Promise<Config['mqtt']['tls'] | TlsPem> {
  const { tls, tlsPort, wssPort, host } = config.mqtt;
  if (tls.certFile !== undefined || (tlsPort === null && wssPort === null)) return tls;
  return demoServerTls(config.dataDir, await certificateAuthority(), host, tls.requireClientCert);
}

function secondaryMqttAddresses(broker: Broker): Pick<StackAddresses, 'mqttWs' | 'mqtts' | 'mqttWss'> {
  const keys = { ws: 'mqttWs', mqtts: 'mqtts', wss: 'mqttWss' } as const;
  return Object.fromEntries(broker.listeners.flatMap(({ protocol, url }) => (protocol === 'mqtt' ? [] : [[keys[protocol], url]])));
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
  return { settings, secrets: password === undefined ? {} : { password } };
}
