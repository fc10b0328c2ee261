import type { ArchivedObjects, ArchiveStatus, PendingBuckets, S3ConnectionCheck } from '../api/archive.js';
import type { BrokerClientList, BrokerPublishResult, BrokerTestMessage, BrokerTopicList } from '../api/broker.js';
import type { ActiveConnection } from '../api/connections.js';
import type { ConnectionKit, DeviceRegistrationRequest, PasswordKit, RegisteredDevicePage, TopicRulesView } from '../api/devices.js';
import type { EnergyReadings, EnergySeries, MeterEmulatorCommand, MeterEmulatorStatus, MeterList } from '../api/energy.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from '../api/status.js';
import { BUILT_IN_ID, type ConnectionManager } from '../connections/connection-manager.js';
import { startInspection, stopInspection, type Inspection } from '../connections/inspection.js';
import { RefusalLog, type RefusalSnapshot } from '../devices/refusals.js';
import { Conflict } from '../domain/errors.js';
import type { TopicRule } from '../domain/topic-rule.js';
import { MeterEmulator } from '../emulator/meter-emulator.js';
import { EMULATOR_PRESETS } from '../emulator/presets.js';
import { ThermostatEmulator } from '../emulator/thermostat-emulator.js';
import { TopicRouter } from '../ingest/topic-rules.js';
import { listMeters } from '../query/meters.js';
import { ReadOnlyRefusal } from '../redis/command-table.js';
import type { ApiBackend, ApiKeyManagement, ExportBackend, InspectBackend } from '../server/api-backend.js';
import { absentBrokerView, brokerView, type BrokerView } from './broker-view.js';
import { deviceEnrollment, type DeviceEnrollment } from './device-enrollment.js';
import { recordReplay, type RecordReplay } from './record-replay.js';
import { indexBackend, indexBuildSettings } from './index-backend.js';
import { inspectBackend } from './inspect-backend.js';
import { oneServerOf } from '../redis/connect.js';
import type { StackParts } from './stack-parts.js';
import { describeTopicRules, stackStatus } from './status-report.js';

/**
 * What the API does, on the running parts: switch connections, run the emulators, read energy and
 * the archive, change topic rules; registering devices and the broker's live view are use cases of
 * their own (device-enrollment.ts, broker-view.ts) on the same parts. It holds the state the use
 * cases change (the connection the pages read from, the emulators); the Stack starts and stops the
 * parts underneath.
 */
export class StackBackend implements ApiBackend {
  private emulator: ThermostatEmulator | null = null;
  private meterEmulator: MeterEmulator | null = null;
  private inspecting: Inspection;
  /** A switch in progress: the next waits for it, so two quick choices end on the last one. */
  private switching: Promise<unknown> = Promise.resolve();
  private readonly enrollment: DeviceEnrollment;
  private readonly brokerView: BrokerView;
  /** The read side the pages call, always on the connection active at the time of the request. */
  readonly inspect: InspectBackend;
  readonly indexes = indexBackend(() => this.inspecting);
  /** Recording the broker's traffic and replaying it: the Broker page's Record and Replay panels. */
  readonly recordReplay: RecordReplay;
  readonly exports: ExportBackend = { start: (view, query) => this.parts.exports!.start(view, query, this.inspecting) };

  constructor(
    private readonly parts: StackParts,
    /** The connections the pages can switch to (StackParts has them with role ui, which is where a backend runs). */
    private readonly connectionManager: ConnectionManager,
    inspection: Inspection,
    private readonly startedAt: number,
    readonly apiKeys: ApiKeyManagement,
  ) {
    this.inspecting = inspection;
    const { broker } = parts;
    // Without a bundled broker here, devices still register (for the bundled brokers of other processes on this Redis); their kits name no endpoint.
    this.enrollment = deviceEnrollment({ registry: parts.devices, certificateAuthority: parts.certificateAuthority, broker: broker ?? { listeners: [], deviceChanged: () => undefined } });
    this.brokerView = broker ? brokerView(broker) : absentBrokerView(this.noBroker('the test message'));
    this.inspect = inspectBackend({ inspection: () => this.inspecting, connections: connectionManager });
    this.recordReplay = recordReplay({
      config: parts.config,
      broker,
      noBroker: this.noBroker('record and replay'),
      topicRules: () => parts.topicRules.rules,
      redis: oneServerOf(parts.redis),
      energyArchive: parts.energyArchive,
      ingesting: parts.ingest !== null,
      log: parts.log,
    });
  }

  /** The connection every page reads from right now. */
  inspection(): Inspection {
    return this.inspecting;
  }

  get connections(): ConnectionManager {
    return this.connectionManager;
  }

  /** Points every page at another connection; the current one stays when the new one cannot be opened. */
  activateConnection(id: string): Promise<ActiveConnection> {
    const next = this.switching.then(async () => {
      const inspection = await startInspection(await this.connectionManager.open(id), {
        bucketSeconds: this.parts.config.energy.bucketSeconds,
        s3: id === BUILT_IN_ID ? this.parts.energyArchive : null,
        index: indexBuildSettings(this.parts.config),
        log: this.parts.log,
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

  registeredDevices(cursor: string, count: number): Promise<RegisteredDevicePage> {
    return this.enrollment.registeredDevices(cursor, count);
  }

  registerDevice(request: DeviceRegistrationRequest): Promise<ConnectionKit> {
    return this.enrollment.registerDevice(request);
  }

  removeDevice(id: string): Promise<void> {
    return this.enrollment.removeDevice(id);
  }

  newDevicePassword(id: string): Promise<PasswordKit> {
    return this.enrollment.newDevicePassword(id);
  }

  refusals(): RefusalSnapshot {
    return this.parts.broker?.refusals() ?? new RefusalLog().snapshot();
  }

  brokerClients(limit: number): BrokerClientList {
    return this.brokerView.brokerClients(limit);
  }

  brokerTopics(prefix: string, limit: number): BrokerTopicList {
    return this.brokerView.brokerTopics(prefix, limit);
  }

  publishTestMessage(message: BrokerTestMessage): Promise<BrokerPublishResult> {
    return this.brokerView.publishTestMessage(message);
  }

  status(): StackStatus {
    return stackStatus(this.parts, {
      startedAt: this.startedAt,
      connection: this.inspecting.connection,
      emulator: this.emulator?.status() ?? null,
      meterEmulator: this.meterEmulator?.status() ?? null,
    });
  }

  async controlEmulator(command: EmulatorCommand): Promise<EmulatorStatus | null> {
    if (command.action === 'stop') {
      await this.emulator?.stop();
      return this.emulator?.status() ?? null;
    }
    this.refuseWrites('the emulator cannot write');
    const changes = {
      ...(command.preset !== undefined && EMULATOR_PRESETS[command.preset]),
      ...(command.rate !== undefined && { rate: command.rate }),
      ...(command.devices !== undefined && { devices: command.devices }),
      ...(command.hotShare !== undefined && { hotShare: command.hotShare }),
    };
    const broker = this.bundledBroker('the emulator');
    const { config } = this.parts;
    this.emulator ??= new ThermostatEmulator({ brokerUrl: broker.url, credentials: broker.internalCredentials, ...config.emulator, ...changes });
    this.emulator.reconfigure(changes);
    if (command.action === 'start') await this.emulator.start();
    return this.emulator.status();
  }

  async controlMeterEmulator(command: MeterEmulatorCommand): Promise<MeterEmulatorStatus | null> {
    if (command.action === 'stop') {
      await this.meterEmulator?.stop();
      return this.meterEmulator?.status() ?? null;
    }
    this.refuseWrites('the meter emulator cannot write');
    const changes = {
      ...(command.meters !== undefined && { meters: command.meters }),
      ...(command.speed !== undefined && { speed: command.speed }),
      ...(command.historyDays !== undefined && { historyDays: command.historyDays }),
      ...(command.transport !== undefined && { transport: command.transport }),
    };
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
    // One archiver at a time: refused, naming the lease, while another workbench holds it.
    await this.parts.archiver.ensureLease();
    void this.parts.archiver.runNow('manual').catch(() => undefined);
    return this.parts.archiver.status();
  }

  pendingBuckets(cursor: string, count: number): Promise<PendingBuckets> {
    return this.parts.archiver.pending(cursor, count);
  }

  archivedObjects(after: string | null): Promise<ArchivedObjects> {
    return this.parts.archiver.objects(after);
  }

  testS3Connection(): Promise<S3ConnectionCheck> {
    return this.parts.archiver.checkConnection();
  }

  topicRules(): TopicRulesView {
    const { topicRules, ingest, keys } = this.parts;
    const tally = ingest?.topicRules() ?? new TopicRouter(topicRules.rules).tally();
    return {
      ...tally,
      origin: topicRules.origin,
      file: topicRules.path,
      locked: ingest ? null : this.noIngest('there is nothing to route'),
      hashKeyPattern: keys.topicHash('<topic>'),
    };
  }

  async saveTopicRules(rules: TopicRule[]): Promise<TopicRulesView> {
    const { ingest, topicRules, log } = this.parts;
    if (!ingest) throw new ReadOnlyRefusal(this.noIngest('the topic rules cannot be changed'));
    await topicRules.save(rules);
    await ingest.setTopicRules(rules);
    log(`topic rules saved to ${topicRules.path}: ${describeTopicRules(rules)}`);
    return this.topicRules();
  }

  /** The first step of shutdown: nothing new is published (a replay stops, a recording's file is completed). */
  async stopEmulators(): Promise<void> {
    await this.emulator?.stop();
    await this.meterEmulator?.stop();
    await this.recordReplay.stop();
  }

  /** After the HTTP server closed: waits for a connection switch in flight, then closes the pages' connection. */
  async closeInspection(): Promise<void> {
    await this.switching;
    await stopInspection(this.inspecting);
  }

  /**
   * The emulators and the archiver write to the workbench's own Redis only, and not while it is
   * read-only; while the pages show another connection they refuse, so nobody starts them believing
   * they feed what is on screen.
   */
  private refuseWrites(what: string): void {
    if (this.parts.config.readOnly) throw new Conflict(`read-only mode: ${what}`);
    const { connection } = this.inspecting;
    if (connection.builtIn) return;
    throw new Conflict(`${what} here: the pages show ${connection.name}, and the emulators and the archive write only to the workbench's own Redis; switch back to it on the Connections page`);
  }

  /** Why this process routes nothing: read-only mode, or a role without ingest (the workers read their own rules). */
  private noIngest(consequence: string): string {
    const { config } = this.parts;
    if (config.readOnly) return `read-only mode: nothing is ingested, so ${consequence}`;
    return `this process (role ${config.roles.join(',')}) ingests nothing, so ${consequence}: each ingest worker reads its own rules (config file or <data dir>/topic-rules.json)`;
  }

  /** The bundled broker the emulators publish to, or a refusal that says why this process has none. */
  private bundledBroker(what: string): NonNullable<StackParts['broker']> {
    if (!this.parts.broker) throw new Conflict(this.noBroker(what));
    return this.parts.broker;
  }

  private noBroker(what: string): string {
    const { source, config } = this.parts;
    const why = source ? `ingest takes readings from ${source.url} (--mqtt-source)` : `it runs role ${config.roles.join(',')}`;
    return `${what} needs the bundled broker, and this process has none: ${why}`;
  }

  private createMeterEmulator(): MeterEmulator {
    const broker = this.bundledBroker('the meter emulator');
    const { ingest, config } = this.parts;
    const udp = ingest?.udpUrl;
    const { meters, meterIntervalSeconds, meterSpeed, meterHistoryDays, meterTransport } = config.emulator;
    return new MeterEmulator({
      udp: udp ? udpTarget(udp) : null,
      brokerUrl: broker.url,
      credentials: broker.internalCredentials,
      meters,
      intervalSeconds: meterIntervalSeconds,
      speed: meterSpeed,
      historyDays: meterHistoryDays,
      transport: meterTransport,
    });
  }
}

function udpTarget(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
}
