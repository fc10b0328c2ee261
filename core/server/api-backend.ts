import type { ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyUpdate, ApiKeyUsage, ApiKeyView, UsageRange } from '../api/api-keys.js';
import type { ExportDownload, ExportQueryOf, ExportView } from '../api/export.js';
import type { ArchivedObjects, ArchiveStatus, PendingBuckets, S3ConnectionCheck } from '../api/archive.js';
import type { ActiveConnection, ConnectionCheck, ConnectionInput } from '../api/connections.js';
import type { BrokerClientList, BrokerPublishResult, BrokerTestMessage, BrokerTopicList } from '../api/broker.js';
import type { ConsoleExample, ConsoleReply } from '../api/console.js';
import type { ConnectionKit, DeviceRegistrationRequest, PasswordKit, RegisteredDevicePage, TopicRulesView } from '../api/devices.js';
import type { EnergyReadings, EnergySeries, MeterEmulatorCommand, MeterEmulatorStatus, MeterList } from '../api/energy.js';
import type { ClimateCounters, DataModel, DeviceDetail, EventRange, EventSearch, RecentEvents, RejectedPayloads, WarningMessage } from '../api/events.js';
import type { IndexCompare, IndexCompareRequest, IndexList, IndexLookup, IndexLookupQuery, IndexStatus, IndexVerifyReport } from '../api/indexes.js';
import type { KeyDetail, KeyPage } from '../api/keys.js';
import type { Readable } from 'node:stream';
import type { RecordingFile, RecordingsView, RecordingState, ReplayCommand, ReplayKeysCleared, ReplayRequest, ReplayStatus } from '../api/replay.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from '../api/status.js';
import type { ConnectionManager } from '../connections/connection-manager.js';
import type { RefusalSnapshot } from '../devices/refusals.js';
import type { IndexDefinition } from '../domain/index-definition.js';
import type { TopicRule } from '../domain/topic-rule.js';
import type { KeyScanRequest, ValuePageRequest } from '../query/key-browser.js';

/**
 * Everything the HTTP API serves, and all the server calls: the server runs no query and opens no
 * connection itself, so it can be tested against a fake of this.
 */
export interface ApiBackend {
  status(): StackStatus;
  controlEmulator(command: EmulatorCommand): Promise<EmulatorStatus | null>;

  listMeters(limit: number): Promise<MeterList>;
  energySeries(deviceId: string, fromSeconds: number, toSeconds: number, intervalSeconds: number): Promise<EnergySeries>;
  energyReadings(deviceId: string, fromSeconds: number, toSeconds: number, limit: number): Promise<EnergyReadings>;
  controlMeterEmulator(command: MeterEmulatorCommand): Promise<MeterEmulatorStatus | null>;
  archiveStatus(): Promise<ArchiveStatus>;
  /** Starts a pass, or joins the running one, without waiting for it. */
  startArchiveRun(): Promise<ArchiveStatus>;
  pendingBuckets(cursor: string, count: number): Promise<PendingBuckets>;
  archivedObjects(after: string | null): Promise<ArchivedObjects>;
  testS3Connection(): Promise<S3ConnectionCheck>;

  topicRules(): TopicRulesView;
  /** Validated already; refuses in read-only mode. */
  saveTopicRules(rules: TopicRule[]): Promise<TopicRulesView>;

  /** The saved connections: secrets go in, never out. */
  connections: SavedConnections;
  /** Points every page at this connection; the current one stays when it cannot be opened. */
  activateConnection(id: string): Promise<ActiveConnection>;

  /** The devices allowed on the bundled broker, one SSCAN page. */
  registeredDevices(cursor: string, count: number): Promise<RegisteredDevicePage>;
  /** Refuses an id already registered; the kit holds the device's secrets, shown this once. */
  registerDevice(request: DeviceRegistrationRequest): Promise<ConnectionKit>;
  /** Unregisters the device and disconnects it. */
  removeDevice(id: string): Promise<void>;
  /** Refuses a certificate device; sessions opened with the old password are disconnected. */
  newDevicePassword(id: string): Promise<PasswordKit>;
  refusals(): RefusalSnapshot;
  /** The bundled broker's clients, longest connected first, at most `limit`. */
  brokerClients(limit: number): BrokerClientList;
  brokerTopics(prefix: string, limit: number): BrokerTopicList;
  /** Held to the broker's limits as a device's message would be; published as the workbench. */
  publishTestMessage(message: BrokerTestMessage): Promise<BrokerPublishResult>;

  /** Reads and commands on the connection the pages show. */
  inspect: InspectBackend;

  /** The client API's keys, on the workbench's own Redis. */
  apiKeys: ApiKeyManagement;

  /** The unforeseen indexes of the connection the pages show. */
  indexes: IndexBackend;

  /** Recording the broker's traffic and replaying it into the pipeline. */
  recordReplay: RecordReplayBackend;

  /** Streaming exports of what the pages show. */
  exports: ExportBackend;
}

export interface ExportBackend {
  /** Resolves once the first rows are read (a refused query or an unreachable Redis rejects), with the file to stream. */
  start<V extends ExportView>(view: V, query: ExportQueryOf<V>): Promise<ExportDownload>;
}

/** Record and replay (core/app/record-replay.ts): unknown names are NotFound, a file in use Conflict. */
export interface RecordReplayBackend {
  recordings(): Promise<RecordingsView>;
  /** Conflict while another recording runs or the name is taken. */
  startRecording(request: { name?: string; filter: string }): Promise<RecordingState>;
  /** Conflict when none runs. */
  stopRecording(): Promise<RecordingState>;
  deleteRecording(name: string): Promise<void>;
  /** The file, to stream to the client. */
  recordingFile(name: string): Promise<{ stream: Readable; bytes: number }>;
  /** An uploaded recording or events export, streamed into the recordings folder and read through once. */
  importRecording(name: string, body: Readable): Promise<RecordingFile>;
  replayStatus(): ReplayStatus;
  /** Answers at once (state preparing) and opens the source meanwhile; Conflict while another replay runs or in read-only mode. */
  startReplay(request: ReplayRequest): Promise<ReplayStatus>;
  /** Conflict when no replay runs. */
  controlReplay(command: ReplayCommand): Promise<ReplayStatus>;
  /** Deletes every key under the replay key prefix; Conflict while a replay runs. */
  clearReplayKeys(): Promise<ReplayKeysCleared>;
}

/** Unknown ids are NotFound; in read-only mode every change is refused. */
export interface ApiKeyManagement {
  list(): Promise<ApiKeyList>;
  create(input: ApiKeyCreate): Promise<ApiKeyCreated>;
  update(id: string, change: ApiKeyUpdate): Promise<ApiKeyView>;
  revoke(id: string): Promise<void>;
  usage(id: string, range: UsageRange): Promise<ApiKeyUsage>;
}

export interface IndexBackend {
  list(): Promise<IndexList>;
  /** Refused on a connection that may not write, with the reason. */
  define(definition: IndexDefinition): Promise<IndexStatus>;
  pause(name: string): Promise<IndexStatus>;
  resume(name: string): Promise<IndexStatus>;
  verify(name: string): Promise<IndexVerifyReport>;
  repair(name: string): Promise<IndexVerifyReport>;
  drop(name: string): Promise<void>;
  lookup(name: string, query: IndexLookupQuery): Promise<IndexLookup>;
  /** The scan side runs on any connection; the index side when the request names an index. */
  compare(request: IndexCompareRequest): Promise<IndexCompare>;
}

export type SavedConnections = Pick<ConnectionManager, 'list' | 'add' | 'update' | 'remove'>;

/**
 * What the pages read and run on the connection active when the request arrives (a switch takes
 * effect at once), and the step-by-step check of any connection.
 */
export interface InspectBackend {
  activeConnectionId(): string;
  recentEvents(limit: number): Promise<RecentEvents>;
  eventRange(from: number, to: number, limit: number): Promise<EventRange>;
  searchEvents(match: string, cursor: string, count: number): Promise<EventSearch>;
  deviceDetail(deviceId: string): Promise<DeviceDetail>;
  climateCounters(): Promise<ClimateCounters>;
  rejectedPayloads(limit: number): Promise<RejectedPayloads>;
  dataModel(): Promise<DataModel>;
  /** Warnings received since the last call, which they are then no longer. */
  takeWarnings(): { warnings: WarningMessage[]; dropped: number };
  /** SCAN steps and DBSIZE over every master. */
  keys(request: KeyScanRequest): Promise<KeyPage>;
  keyDetail(key: string, page: ValuePageRequest): Promise<KeyDetail>;
  console(line: string): Promise<ConsoleReply>;
  consoleExamples(): ConsoleExample[];
  /** A saved connection, or unsaved input (with `id`: an edit of that saved connection, whose stored secrets fill in). */
  checkConnection(source: { id: string } | { input: ConnectionInput; id?: string }): Promise<ConnectionCheck>;
}
