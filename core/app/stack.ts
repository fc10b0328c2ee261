import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiAccess } from '../api-access/api-access.js';
import type { StackStatus } from '../api/status.js';
import { Cluster, type Redis } from 'ioredis';
import { Archiver } from '../archive/archiver.js';
import { createS3Client } from '../archive/s3-client.js';
import { startBroker, type Broker } from '../broker/broker.js';
import type { TlsPem } from '../broker/broker-tls.js';
import type { DemoCa } from '../certificates/certificate-authority.js';
import { demoCaLoader, demoServerTls } from '../certificates/demo-tls.js';
import type { Config } from '../config/schema.js';
import type { OutsideBroker } from '../broker/outside-broker.js';
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
import { createKeySchema, replayKeySchemaOptions } from '../model/keys.js';
import { describeCluster, oneServerOf, openWriteTarget, redactUrl, type WriteTarget } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { refuseUnusableCluster, refuseUnusableWriteTarget } from '../redis/write-target-check.js';
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
import { outsideBroker } from './mqtt-source.js';
import { stackPlan, writesToRedis, type Part, type StackPlan } from './stack-plan.js';
import type { Log, StackParts } from './stack-parts.js';

export interface StackAddresses {
  /** The pages, with the token; with role ui only. */
  http?: string;
  /** The bundled broker's MQTT over TCP listener; the other MQTT listeners appear only when they are on. */
  mqtt?: string;
  mqttWs?: string;
  mqtts?: string;
  mqttWss?: string;
  /** The outside broker ingest takes readings from (--mqtt-source), without its password. */
  mqttSource?: string;
  redis: string;
  /** The meter datagram listener (role udp); absent in read-only mode, where nothing is ingested. */
  udp?: string;
  /** The client API (role api); absent with --no-api. */
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

/** The pages: what they read from, what they call, the HTTP server that serves them. */
interface Ui {
  backend: StackBackend;
  http: HttpServer;
}

/**
 * One process of the workbench: the parts its roles need (see stack-plan.ts), in start order —
 * Redis, broker or outside broker, ingest, archive, figures, client API, pages, emulators. The
 * default role `all` is the whole local stack in one process. The CLI and the Electron shell each
 * hold one of these and nothing else; what the API does with the parts is the backend's.
 */
export class Stack {
  readonly config: Config;

  private constructor(
    readonly plan: StackPlan,
    private readonly parts: StackParts,
    private readonly ui: Ui | null,
    private readonly clientApi: ClientApiServer | null,
    /** The per-launch token every API request carries. */
    readonly token: string,
    private readonly dataDirLock: DataDirLock,
    private readonly metrics: MetricsListener | null,
  ) {
    this.config = parts.config;
  }

  static async start(config: Config, { log, rendererDir, secretBox = secretBoxFromEnvironment() }: StackOptions): Promise<Stack> {
    const plan = stackPlan(config);
    const dataDirLock = await acquireDataDirLock(config.dataDir, log);
    const cleanup: Cleanup = [() => dataDirLock.release()];
    try {
      const parts = await startParts(config, plan, log, secretBox, cleanup);
      const clientApi = plan.parts.has('clientApi') ? await startClientApiServer({ backend: clientApiBackend({ ...parts, redis: parts.clientApiRedis }, parts.apiAccess), host: config.api.host, port: config.api.port, log }) : null;
      if (clientApi) cleanup.push(() => clientApi.close());
      else if (config.readOnly && config.roles.includes('api') && !config.api.disabled) log('client API off: read-only mode, and its throttle and usage counters write to Redis');
      const token = randomBytes(24).toString('base64url');
      const ui = plan.parts.has('ui') ? await startUi(parts, clientApi, token, rendererDir, cleanup) : null;
      const metrics = plan.parts.has('metrics') ? await startMetricsListener(config.metrics.host, config.metrics.port!, stackMetrics(parts)) : null;
      const stack = new Stack(plan, parts, ui, clientApi, token, dataDirLock, metrics);
      const { mode } = config.emulator;
      if (ui && plan.parts.has('emulators')) {
        if (mode === 'thermostats' || mode === 'all') await ui.backend.controlEmulator({ action: 'start' });
        if (mode === 'meters' || mode === 'all') await ui.backend.controlMeterEmulator({ action: 'start' });
      }
      return stack;
    } catch (error) {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  /** What the pages call; null in a process without role ui. */
  get backend(): StackBackend | null {
    return this.ui?.backend ?? null;
  }

  /** Every address this process serves, in the order of the ready line. */
  addresses(): StackAddresses {
    const { broker, source, ingest, redisUrl } = this.parts;
    const udp = ingest?.udpUrl;
    return {
      ...(this.ui && { http: `${this.ui.http.url}/?token=${this.token}` }),
      ...(broker && { mqtt: broker.url, ...secondaryMqttAddresses(broker) }),
      ...(source && { mqttSource: source.url }),
      redis: redactUrl(redisUrl),
      ...(udp && { udp }),
      ...(this.clientApi && { api: this.clientApi.url }),
      ...(this.metrics && { metrics: this.metrics.url }),
    };
  }

  /** The pages' status (GET /api/status); in a process without role ui only the figures are there, see figures(). */
  status(): StackStatus {
    if (!this.ui) throw new Error(`role ${this.config.roles.join(',')} serves no pages: ask figures() instead`);
    return this.ui.backend.status();
  }

  /** The live figures of what this process ingests, for the log. */
  figures(): StackStatus['figures'] {
    return this.parts.figures.snapshot();
  }

  /** The outside broker's state (with --mqtt-source), for the log. */
  sourceStatus(): ReturnType<OutsideBroker['status']> | null {
    return this.parts.source?.status() ?? null;
  }

  /** Stop taking readings, flush them, then stop the servers and the embedded Redis. */
  async stop(): Promise<StopReport> {
    const { broker, source, ingest, archiver, s3, figures, apiAccess, exports, redis, clientApiRedis, embeddedRedis, config, log } = this.parts;
    await this.ui?.backend.stopEmulators();
    await broker?.close();
    // Leaving for good: the broker routes nothing more here, and what it still holds for this worker is taken first.
    if (config.mqttSource.leaveOnStop) await source?.leave().catch((error: Error) => log(`mqtt source: could not leave the group: ${error.message}`));
    source?.stopTaking();
    const unwritten = (await ingest?.stop()) ?? NOTHING_UNWRITTEN;
    // After ingest has written what it took, so that those PUBACKs have gone out.
    await source?.close();
    await archiver.stop();
    s3?.destroy();
    figures.stop();
    await this.clientApi?.close();
    await this.ui?.http.close();
    await exports?.close();
    await apiAccess.stop();
    await this.metrics?.close();
    await this.ui?.backend.closeInspection();
    await clientApiRedis.quit().catch(() => clientApiRedis.disconnect());
    await redis.quit().catch(() => redis.disconnect());
    await embeddedRedis?.stop();
    const report = await saveUnwritten(config.dataDir, unwritten, log);
    await this.dataDirLock.release();
    return report;
  }
}

/**
 * Redis, the stores on it, the broker (bundled or outside), ingest, the archive and the figures, in
 * that order; each part only where the plan has it.
 */
async function startParts(config: Config, plan: StackPlan, log: Log, secretBox: SecretBox, cleanup: Cleanup): Promise<StackParts> {
  const has = (part: Part) => plan.parts.has(part);
  const embeddedRedis = has('embeddedRedis')
    ? await startEmbeddedRedis({ dataDir: config.dataDir, log, port: config.redis.port, persistence: config.redis.persistence, fsync: config.redis.fsync, systemBinary: config.redis.systemBinary })
    : null;
  if (embeddedRedis) cleanup.push(() => embeddedRedis.stop());
  // Every role but the whole stack is refused without --redis-url or --redis-cluster, and a cluster with roles other than ingest and udp (config/schema.ts).
  const { cluster } = config.redis;
  const redisUrl = cluster ? describeCluster(cluster) : (embeddedRedis?.url ?? config.redis.url!);
  const target: WriteTarget = cluster ? { cluster } : { url: redisUrl };
  const keys = createKeySchema(config.model);
  const redis = await openWriteTarget(target, { connectionName: `sensor-workbench:${plan.everything ? 'api' : config.roles.join(',')}` });
  cleanup.push(() => redis.quit().catch(() => redis.disconnect()));
  // Before anything is written: a target that would refuse every batch stops the start instead.
  if (writesToRedis(plan)) await (redis instanceof Cluster ? refuseUnusableCluster(redis, redisUrl) : refuseUnusableWriteTarget(redisUrl, keys));
  const connections = has('ui') ? await openConnections(config, redisUrl, embeddedRedis !== null, oneServerOf(redis), secretBox) : null;
  const devices = new DeviceRegistry(redis, keys);
  const certificateAuthority = demoCaLoader(config.dataDir);
  const broker = has('bundledBroker') ? await startBundledBroker(config, devices, certificateAuthority, has('mqttIngest')) : null;
  if (broker) cleanup.push(() => broker.close());
  const source = has('outsideBroker') ? await outsideBroker(config, log) : null;
  if (source) cleanup.push(() => source.close());
  const topicRules = await TopicRuleStore.open(join(config.dataDir, TOPIC_RULES_FILE), config.ingest.topicRules);
  const ingest =
    has('mqttIngest') || has('udpIngest')
      ? await IngestThread.start({
          source: has('mqttIngest') ? (broker ?? source!) : undefined,
          target,
          model: config.model,
          replayKeyPrefix: config.replay.keyPrefix,
          settings: { ...config.ingest, topicRules: [...topicRules.rules] },
          energy: config.energy,
          listenUdp: has('udpIngest'),
          log,
        })
      : null;
  if (ingest) cleanup.push(() => ingest.stop());
  // Once ingest has subscribed: the messages a kept session holds arrive right after the CONNACK.
  await source?.start();
  const s3 = config.archive.s3.bucket === undefined ? null : createS3Client(config.archive.s3);
  if (s3) cleanup.push(async () => s3.destroy());
  const archiver = new Archiver({ redis: oneServerOf(redis), keys, energy: config.energy, archive: config.archive, log });
  if (has('archiveSchedule')) archiver.start();
  cleanup.push(() => archiver.stop());
  const energyArchive = s3 && { client: s3, bucket: config.archive.s3.bucket!, keyPrefix: config.archive.s3.keyPrefix };
  const figures = new FiguresSampler({ ingest, redis, bufferLimit: config.ingest.bufferLimit, mqttClients: () => broker?.connectedClients() ?? 0 });
  figures.start();
  cleanup.push(async () => figures.stop());
  const clientApiRedis = await openWriteTarget(target, { connectionName: 'sensor-workbench:client-api', batchPerTurn: true });
  cleanup.push(() => clientApiRedis.quit().catch(() => clientApiRedis.disconnect()));
  const apiAccess = new ApiAccess(clientApiRedis, keys, log);
  cleanup.push(() => apiAccess.stop());
  // Exports are the pages' downloads: only a process that serves the pages has them.
  const exports = connections && new ExportService({ config, connections, broker });
  if (exports) cleanup.push(() => exports.close());
  return { config, plan, keys, redisUrl, embeddedRedis, redis, clientApiRedis, broker, source, ingest, figures, archiver, energyArchive, s3, connections, devices, certificateAuthority, topicRules, apiAccess, exports, log };
}

/** The pages read the workbench's own Redis, or a saved connection the user switches to (the replay keys among them). */
async function openConnections(config: Config, redisUrl: string, embedded: boolean, redis: Redis, secretBox: SecretBox): Promise<ConnectionManager> {
  const store = await ConnectionStore.open(join(config.dataDir, 'connections.json'), secretBox);
  return ConnectionManager.create(store, { ...builtInConnection(config, redisUrl, embedded), client: redis, replayView: replayView(config, redisUrl, embedded) });
}

/** The read side on the workbench's own Redis, the backend the pages call, and the HTTP server that serves them. */
async function startUi(parts: StackParts, clientApi: ClientApiServer | null, token: string, rendererDir: string | null, cleanup: Cleanup): Promise<Ui> {
  const { config, connections, log } = parts;
  const inspection = await startInspection(await connections!.open(BUILT_IN_ID), { bucketSeconds: config.energy.bucketSeconds, s3: parts.energyArchive, index: indexBuildSettings(config), log });
  cleanup.push(() => stopInspection(inspection));
  const backend = new StackBackend(parts, connections!, inspection, Date.now(), apiKeyManagement(parts, clientApi?.url ?? null));
  const http = await startHttpServer({ backend, host: config.http.host, port: config.http.port, token, rendererDir, log });
  cleanup.push(() => http.close());
  return { backend, http };
}

async function startBundledBroker(config: Config, devices: DeviceRegistry, certificateAuthority: () => Promise<DemoCa>, awaitIngest: boolean): Promise<Broker> {
  const { host, port, wsPort, tlsPort, wssPort, allowLanAnonymous, maxPayloadBytes, maxTopicLevels, maxConnections, maxMessagesPerSecond, maxKeepaliveSeconds, denySubscribe } = config.mqtt;
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
    denySubscribe,
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

/** The workbench's own Redis through the replay key prefix: what the pages show of a replay kept apart from live data. */
function replayView(config: Config, redisUrl: string, embedded: boolean): ConnectionSettings {
  const { keyPrefix, namespace } = replayKeySchemaOptions(config.model, config.replay.keyPrefix);
  const { settings } = builtInConnection(config, redisUrl, embedded);
  return connectionSettingsSchema.parse({ ...settings, name: `${settings.name.replace(/ \(.*\)$/, '')} — replay keys (${config.replay.keyPrefix})`, schema: { ...settings.schema, keyPrefix, namespace } });
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
