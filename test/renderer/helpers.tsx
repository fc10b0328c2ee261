import { act, cleanup, render } from '@testing-library/react';
import type { ApiKeyList } from '../../core/api/api-keys.js';
import { afterEach, beforeEach, vi } from 'vitest';
import type { IndexList } from '../../core/api/indexes.js';
import type {
  ActiveConnection,
  ConnectionCheck,
  ConnectionInput,
  ConnectionList,
  ConnectionView,
} from '../../core/api/connections.js';
import type {
  ArchivedObjects,
  ArchiveStatus,
  PendingBuckets,
  S3ConnectionCheck,
} from '../../core/api/archive.js';
import type {
  BrokerClientList,
  BrokerPublishRequest,
  BrokerPublishResult,
  BrokerTopicList,
} from '../../core/api/broker.js';
import type {
  ClimateCounters,
  DataModel,
  DeviceDetail,
  EventRange,
  EventSearch,
  RecentEvents,
  RejectedPayloads,
  WarningMessage,
} from '../../core/api/events.js';
import type {
  ConnectionKit,
  DeviceRegistrationRequest,
  PasswordKit,
  RefusalSummary,
  TopicRulesView,
  RegisteredDevicePage,
  RegisteredDeviceView,
} from '../../core/api/devices.js';
import type { ConsoleExample, ConsoleReply } from '../../core/api/console.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from '../../core/api/status.js';
import type {
  EnergyReadings,
  EnergySeries,
  MeterEmulatorCommand,
  MeterEmulatorStatus,
  MeterList,
} from '../../core/api/energy.js';
import type { KeyDetail, KeyPage } from '../../core/api/keys.js';
import { idleReplayStatus, type RecordingFile, type RecordingsView, type RecordingState, type ReplayKeysCleared, type ReplayStatus } from '../../core/api/replay.js';
import type { LiveFrame, LiveTopic } from '../../core/api/live.js';
import type { ExportFormat, ExportResponse, ExportView } from '../../core/api/export.js';
import type { TopicRule } from '../../core/domain/topic-rule.js';
import { App } from '../../renderer/src/App.js';
import type { WorkbenchClient } from '../../renderer/src/client.js';
import type { PageId } from '../../renderer/src/pages.js';

/** jsdom has no canvas and no matchMedia: charts fall back to their text figures, themes to light. */
export function installDomStubs(): void {
  beforeEach(() => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);
    window.localStorage.clear();
    window.sessionStorage.clear();
    delete document.documentElement.dataset.theme;
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });
}

export function recordingState(overrides: Partial<RecordingState> = {}): RecordingState {
  return {
    name: 'recording-1',
    filter: '#',
    startedAt: Date.now() - 5000,
    stoppedAt: null,
    messages: 0,
    bytes: 0,
    dropped: 0,
    maxBytes: 104_857_600,
    firstAt: null,
    lastAt: null,
    stopReason: null,
    error: null,
    ...overrides,
  };
}

export function recordingFile(overrides: Partial<RecordingFile> = {}): RecordingFile {
  return {
    name: 'recording-1',
    bytes: 2048,
    messages: 10,
    firstAt: 1_762_000_000_000,
    lastAt: 1_762_000_060_000,
    origin: 'recording',
    filter: '#',
    dropped: 0,
    modifiedAt: 1_762_000_060_000,
    recording: false,
    replaying: false,
    ...overrides,
  };
}

export function recordingsView(overrides: Partial<RecordingsView> = {}): RecordingsView {
  return { active: null, last: null, files: [], maxBytes: 104_857_600, directory: '/data/recordings', ...overrides };
}

export function replayStatus(overrides: Partial<ReplayStatus> = {}): ReplayStatus {
  return { ...idleReplayStatus('replay:'), ...overrides };
}

export function emulatorStatus(overrides: Partial<EmulatorStatus> = {}): EmulatorStatus {
  return {
    running: false,
    rate: 2.75,
    devices: 5000,
    qos: 1,
    published: 0,
    acknowledged: 0,
    throttledTicks: 0,
    hotShare: null,
    ...overrides,
  };
}

export function meterEmulatorStatus(overrides: Partial<MeterEmulatorStatus> = {}): MeterEmulatorStatus {
  return {
    running: false,
    meters: 20,
    transport: 'udp',
    intervalSeconds: 300,
    speed: 1,
    emulatedNow: Date.now(),
    caughtUp: true,
    sent: 0,
    ratePerSec: 0,
    sendErrors: 0,
    lastError: null,
    ...overrides,
  };
}

export function archiveStatus(overrides: Partial<ArchiveStatus> = {}): ArchiveStatus {
  return {
    configured: true,
    reason: null,
    target: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'energy-archive', keyPrefix: '', pathStyle: true, credentials: 'default-chain' },
    bucketSeconds: 86_400,
    graceSeconds: 900,
    intervalSeconds: 300,
    nextRunAt: Date.now() + 120_000,
    pending: 3,
    running: null,
    lastRun: null,
    failing: null,
    lease: { state: 'held', token: 4, holder: '3f9a01bc', host: 'bench-host', pid: 4242, since: Date.now() - 3_600_000, expiresAt: Date.now() + 12_000, mine: true },
    archiverId: '3f9a01bc',
    leaseMs: 15_000,
    ...overrides,
  };
}

/** An energy series as the API answers, buckets of a day from `from` on. */
export function energySeries(overrides: Partial<EnergySeries> = {}): EnergySeries {
  return {
    deviceId: 'D704206006772',
    from: 1_790_000_000,
    to: 1_790_086_400,
    intervalSeconds: 300,
    points: [],
    buckets: [],
    readings: 0,
    duplicatesDropped: 0,
    tookMs: 4.5,
    ...overrides,
  };
}

/** The workbench's own Redis, as the active connection. */
export function activeConnection(overrides: Partial<ActiveConnection> = {}): ActiveConnection {
  return {
    id: 'workbench',
    name: 'Workbench Redis',
    kind: 'standalone',
    address: 'redis://127.0.0.1:6379',
    builtIn: true,
    readOnly: false,
    commandTable: 'the workbench\'s own Redis',
    limitations: [],
    ...overrides,
  };
}

/** A saved connection as GET /api/connections lists it. */
export function connectionView(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: 'workbench',
    name: 'Workbench Redis',
    builtIn: true,
    kind: 'standalone',
    host: '127.0.0.1',
    port: 6379,
    db: 0,
    tls: { enabled: false, verify: true },
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10_000,
    readOnly: false,
    schema: { keyPrefix: '', namespace: 'backend:dev', sensorData: 'SensorData', climatePrefix: 'climate:', devicePrefix: '', warningsChannel: 'Warnings' },
    storedSecrets: { password: false, sentinelPassword: false, tlsKey: false },
    ...overrides,
  };
}

export function connectionList(connections: ConnectionView[] = [connectionView()], overrides: Partial<ConnectionList> = {}): ConnectionList {
  return { connections, activeId: connections[0]?.id ?? 'workbench', secretStorage: { available: true, detail: 'encrypted with SW_SECRET_KEY' }, ...overrides };
}

/** A device as GET /api/devices/registry lists it. */
export function registeredDevice(overrides: Partial<RegisteredDeviceView> = {}): RegisteredDeviceView {
  const id = overrides.id ?? 'D704206000042';
  return {
    id,
    kind: 'meter',
    auth: 'certificate',
    hasPassword: false,
    certificateFingerprint: 'ab'.repeat(32),
    publish: [`meters/${id}/#`],
    subscribe: [],
    registered: Date.now() - 3_600_000,
    lastSeen: null,
    lastAddress: null,
    ...overrides,
  };
}

/** What POST /api/devices/registry answers for `request`: a password or a certificate bundle, and the snippets. */
export function connectionKit(request: DeviceRegistrationRequest): ConnectionKit {
  const device = registeredDevice({
    id: request.id,
    kind: request.kind,
    auth: request.auth,
    hasPassword: request.auth === 'password',
    certificateFingerprint: request.auth === 'certificate' ? 'cd'.repeat(32) : null,
  });
  return {
    device,
    ...(request.auth === 'password'
      ? { password: 'Zq3-once-only-password' }
      : { certificate: { cert: `CERT of ${request.id}`, key: `KEY of ${request.id}`, ca: 'CA CERT', fingerprint: 'cd'.repeat(32) } }),
    endpoints: [
      { protocol: 'mqtt', url: 'mqtt://127.0.0.1:1883', host: '127.0.0.1', port: 1883, clientCertificates: 'none' },
      { protocol: 'mqtts', url: 'mqtts://127.0.0.1:8883', host: '127.0.0.1', port: 8883, clientCertificates: 'required' },
    ],
    snippets: {
      mosquittoPub: `mosquitto_pub -h 127.0.0.1 -i ${request.id}`,
      mqttJs: `await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: "${request.id}" });`,
      mosquittoPubV5: `mosquitto_pub -V 5 -h 127.0.0.1 -i ${request.id}`,
      mqttJsV5: `await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: "${request.id}", protocolVersion: 5 });`,
    },
  };
}

export function topicRulesView(overrides: Partial<TopicRulesView> = {}): TopicRulesView {
  return {
    rules: [
      { filter: 'temp_readings', handler: 'thermostat', matched: 120 },
      { filter: 'meters/+/energy', handler: 'meter', matched: 30 },
    ],
    unrouted: 4,
    origin: 'config',
    file: '/data/topic-rules.json',
    locked: null,
    hashKeyPattern: 'topic:<topic>',
    ...overrides,
  };
}

export function emptyRefusals(): RefusalSummary {
  return { total: 0, byCode: { 'wrong-password': 0, 'publish-not-allowed': 0 }, recent: [] };
}

export function consoleReply(overrides: Partial<ConsoleReply> = {}): ConsoleReply {
  return { args: ['PING'], output: 'PONG', error: false, refused: null, elapsedMs: 0.42, ...overrides };
}

export function stackStatus(overrides: Partial<StackStatus> = {}): StackStatus {
  return {
    startedAt: Date.now() - 60_000,
    readOnly: false,
    connection: activeConnection(),
    parts: {
      redis: { state: 'running', address: 'redis://127.0.0.1:6379', detail: 'embedded' },
      broker: { state: 'running', address: 'mqtt://127.0.0.1:1883', detail: null },
      ingest: { state: 'running', address: null, detail: 'rule temp_readings' },
      emulator: { state: 'stopped', address: null, detail: null },
      udp: { state: 'running', address: 'udp://127.0.0.1:41234', detail: null },
      meterEmulator: { state: 'stopped', address: null, detail: null },
      archive: { state: 'running', address: 's3://energy-archive', detail: null },
    },
    emulator: emulatorStatus(),
    meterEmulator: meterEmulatorStatus(),
    figures: {
      ingest: {
        received: 1234,
        written: 1230,
        rejected: 4,
        rejectedByReason: { 'not-json': 4 },
        buffered: 4,
        bufferLimit: 200_000,
        bufferFull: false,
        waitingPublishers: 0,
        dropped: 0,
        writeErrors: 0,
        possibleRecounts: 0,
        lastError: null,
        meterReadingsReceived: 5760,
        meterReadingsWritten: 5750,
        meterPayloadsRejected: 0,
        meterDatagramsDropped: 0,
      },
      rates: { at: Date.now(), receivedPerSec: 200, writtenPerSec: 199, rejectedPerSec: 0, redisCommandsPerSec: 12, meterWrittenPerSec: 48 },
      history: [],
      latencyMs: { p50: 1.5, p99: 12.25, samples: 1000, windowSeconds: 10 },
      mqttClients: 2,
    },
    ...overrides,
  };
}

export function recentEvents(events: Array<[string, number]>): RecentEvents {
  return {
    events: events.map(([deviceId, timestamp]) => ({ deviceId, timestamp })),
    total: events.length,
    command: 'ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 24',
  };
}

export function warning(deviceId: string, temperature: number, at = Date.now()): WarningMessage {
  return { deviceId, temperature, timestamp: at, requestId: `req-${deviceId}-${at}`, receivedAt: at };
}

/**
 * An export's answer whose body is `chunks`, then its end; `total` as the server's header would
 * announce it. With `heldOpenUntil` it waits after the chunks instead (as a long export does) until
 * that signal aborts the request, which errors the body as fetch does.
 */
export function exportResponse(filename: string, chunks: string[], total: number | null = null, heldOpenUntil?: AbortSignal): ExportResponse {
  const encoder = new TextEncoder();
  return {
    filename,
    total,
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        if (!heldOpenUntil) return controller.close();
        heldOpenUntil.addEventListener('abort', () => controller.error(new DOMException('The user aborted a request.', 'AbortError')));
      },
    }),
  };
}

export interface FakeLive {
  topics: LiveTopic[];
  onFrame: (frame: LiveFrame) => void;
  onState: (connected: boolean) => void;
  subscribe: ReturnType<typeof vi.fn>;
  close: ReturnType<typeof vi.fn>;
}

/** A fake ApiClient: every method a vi.fn with a sensible answer; live connections recorded. */
export function fakeClient(overrides: Partial<Record<keyof WorkbenchClient, unknown>> = {}) {
  const connections: FakeLive[] = [];
  const client = {
    status: vi.fn(async (): Promise<StackStatus> => stackStatus()),
    emulator: vi.fn(async (command: EmulatorCommand): Promise<EmulatorStatus> => emulatorStatus({ running: command.action !== 'stop' })),
    recentEvents: vi.fn(async (): Promise<RecentEvents> => recentEvents([])),
    eventRange: vi.fn(
      async (from: number, to: number, limit = 100): Promise<EventRange> => ({
        events: [],
        truncated: false,
        command: `ZRANGEBYSCORE SensorData ${from} ${to} WITHSCORES LIMIT 0 ${limit}`,
      }),
    ),
    searchEvents: vi.fn(
      async (match: string, cursor = '0', count = 100): Promise<EventSearch> => ({
        events: [],
        cursor: '0',
        command: `ZSCAN SensorData ${cursor} MATCH ${match} COUNT ${count}`,
      }),
    ),
    device: vi.fn(
      async (deviceId: string): Promise<DeviceDetail> => ({
        deviceId,
        fields: {
          temperature: '91',
          deviceIP: '10.0.0.7',
          humidity: '40',
          climate: 'hot',
          timestamp: '1700000000000',
          requestId: `req-${deviceId}`,
        },
        command: `HGETALL ${deviceId}`,
      }),
    ),
    climate: vi.fn(async (): Promise<ClimateCounters> => ({ counters: { hot: 0, warm: 0, cool: 0, cold: 0 }, at: Date.now() })),
    rejected: vi.fn(async (): Promise<RejectedPayloads> => ({ letters: [], countsByReason: {}, total: 0 })),
    dataModel: vi.fn(async (): Promise<DataModel> => ({ entries: [], totalKeys: 0, usedMemoryBytes: 1024, at: Date.now() })),
    indexes: vi.fn(async (): Promise<IndexList> => ({ indexes: [], buildRefusal: null })),
    meters: vi.fn(async (): Promise<MeterList> => ({ meters: [], total: 0 })),
    meterEnergy: vi.fn(
      async (deviceId: string, from: number, to: number, intervalSeconds: number): Promise<EnergySeries> =>
        energySeries({ deviceId, from, to, intervalSeconds }),
    ),
    meterReadings: vi.fn(
      async (deviceId: string): Promise<EnergyReadings> => ({ deviceId, readings: [], truncated: false, buckets: [], duplicatesDropped: 0 }),
    ),
    meterEmulator: vi.fn(
      async (command: MeterEmulatorCommand): Promise<MeterEmulatorStatus> =>
        meterEmulatorStatus({ running: command.action !== 'stop', ...(command.meters && { meters: command.meters }) }),
    ),
    archive: vi.fn(async (): Promise<ArchiveStatus> => archiveStatus()),
    runArchive: vi.fn(async (): Promise<ArchiveStatus> => archiveStatus()),
    pendingBuckets: vi.fn(async (): Promise<PendingBuckets> => ({ buckets: [], cursor: '0' })),
    archivedObjects: vi.fn(async (): Promise<ArchivedObjects> => ({ objects: [], next: null })),
    keys: vi.fn(
      async (options: { cursor?: string; match?: string; type?: string; count?: number } = {}): Promise<KeyPage> => ({
        keys: [],
        cursor: '0',
        examined: 0,
        command: `SCAN ${options.cursor ?? '0'} MATCH ${options.match ?? '*'} COUNT ${options.count ?? 100}`,
        totalKeys: 0,
      }),
    ),
    keyDetail: vi.fn(async (key: string): Promise<KeyDetail> => ({ type: 'none', key })),
    testS3Connection: vi.fn(async (): Promise<S3ConnectionCheck> => ({ ok: true, steps: [], problem: null })),
    connections: vi.fn(async (): Promise<ConnectionList> => connectionList()),
    addConnection: vi.fn(async (input: ConnectionInput): Promise<ConnectionView> => connectionView({ id: 'new', builtIn: false, name: input.name ?? 'new' })),
    updateConnection: vi.fn(async (id: string, input: ConnectionInput): Promise<ConnectionView> => connectionView({ id, builtIn: false, name: input.name ?? id })),
    deleteConnection: vi.fn(async (): Promise<void> => undefined),
    testConnection: vi.fn(async (): Promise<ConnectionCheck> => ({ ok: true, steps: [], elapsedMs: 3 })),
    testConnectionInput: vi.fn(async (): Promise<ConnectionCheck> => ({ ok: true, steps: [], elapsedMs: 3 })),
    activateConnection: vi.fn(async (id: string): Promise<ActiveConnection> => activeConnection({ id })),
    console: vi.fn(async (line: string): Promise<ConsoleReply> => consoleReply({ args: line.split(' ') })),
    consoleExamples: vi.fn(async (): Promise<ConsoleExample[]> => []),
    topicRules: vi.fn(async (): Promise<TopicRulesView> => topicRulesView()),
    saveTopicRules: vi.fn(async (rules: TopicRule[]): Promise<TopicRulesView> => topicRulesView({ rules: rules.map((rule) => ({ ...rule, matched: 0 })), origin: 'saved' })),
    registeredDevices: vi.fn(async (): Promise<RegisteredDevicePage> => ({ cursor: '0', devices: [] })),
    registerDevice: vi.fn(async (request: DeviceRegistrationRequest): Promise<ConnectionKit> => connectionKit(request)),
    removeDevice: vi.fn(async (): Promise<void> => undefined),
    newDevicePassword: vi.fn(async (id: string): Promise<PasswordKit> => {
      const { device, endpoints, snippets } = connectionKit({ id, kind: 'meter', auth: 'password' });
      return { device, password: 'fresh-rotated-password', endpoints, snippets };
    }),
    refusals: vi.fn(async (): Promise<RefusalSummary> => emptyRefusals()),
    brokerClients: vi.fn(async (): Promise<BrokerClientList> => ({ total: 0, clients: [] })),
    brokerTopics: vi.fn(async (): Promise<BrokerTopicList> => ({ topics: [], matched: 0, tracked: 0, maxTopics: 10_000, untrackedMessages: 0, at: Date.now() })),
    publishTestMessage: vi.fn(
      async ({ topic, payload, qos = 0, retain = false }: BrokerPublishRequest): Promise<BrokerPublishResult> => ({ topic, size: new TextEncoder().encode(payload).length, qos, retain, at: Date.now() }),
    ),
    apiKeys: vi.fn(async (): Promise<ApiKeyList> => ({ keys: [], apiUrl: 'http://127.0.0.1:8787' })),
    recordings: vi.fn(async (): Promise<RecordingsView> => recordingsView()),
    startRecording: vi.fn(async (request: { name?: string; filter?: string } = {}): Promise<RecordingState> => recordingState({ name: request.name ?? 'recording-1', filter: request.filter ?? '#' })),
    stopRecording: vi.fn(async (): Promise<RecordingState> => recordingState({ stopReason: 'stopped', stoppedAt: Date.now() })),
    deleteRecording: vi.fn(async (): Promise<void> => undefined),
    recordingDownloadUrl: vi.fn((name: string) => `http://127.0.0.1:4000/api/recordings/${name}/file?token=t`),
    importRecording: vi.fn(async (name: string): Promise<RecordingFile> => recordingFile({ name, origin: 'import' })),
    replay: vi.fn(async (): Promise<ReplayStatus> => replayStatus()),
    startReplay: vi.fn(async (): Promise<ReplayStatus> => replayStatus({ state: 'preparing' })),
    controlReplay: vi.fn(async (): Promise<ReplayStatus> => replayStatus({ state: 'playing' })),
    clearReplayKeys: vi.fn(async (): Promise<ReplayKeysCleared> => ({ keyPrefix: 'replay:', deleted: 0, command: '' })),
    exportFile: vi.fn(async (view: ExportView, request: { format?: ExportFormat }): Promise<ExportResponse> => exportResponse(`${view}.${request.format ?? 'csv'}`, ['deviceId,score\r\n'])),
    live: vi.fn((topics: LiveTopic[], onFrame: (frame: LiveFrame) => void, onState: (connected: boolean) => void) => {
      const connection: FakeLive = {
        topics,
        onFrame,
        onState,
        subscribe: vi.fn((next: LiveTopic[]) => {
          connection.topics = next;
        }),
        close: vi.fn(),
      };
      connections.push(connection);
      return connection;
    }),
    ...overrides,
  };
  const open = () => connections.filter((c) => c.close.mock.calls.length === 0);
  return {
    client: client as unknown as WorkbenchClient & typeof client,
    connections,
    /** The connection the app holds now. */
    current: (): FakeLive => {
      const live = open();
      if (live.length !== 1) throw new Error(`expected one open live connection, found ${live.length}`);
      return live[0]!;
    },
    /** Pushes a frame through the open connection, as the server would. */
    emit(frame: Omit<LiveFrame, 'at'> & { at?: number }) {
      const connection = open()[0]!;
      act(() => connection.onFrame({ at: Date.now(), ...frame }));
    },
    setConnected(connected: boolean) {
      const connection = open()[0]!;
      act(() => connection.onState(connected));
    },
  };
}

export function renderApp(fake: ReturnType<typeof fakeClient>, initialPage?: PageId) {
  return render(<App client={fake.client} origin="http://127.0.0.1:4000" initialPage={initialPage} />);
}
