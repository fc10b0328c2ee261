import { act, cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import type {
  ClimateCounters,
  DataModel,
  DeviceDetail,
  EmulatorCommand,
  EmulatorStatus,
  EventRange,
  EventSearch,
  LiveFrame,
  LiveTopic,
  RecentEvents,
  RejectedPayloads,
  StackStatus,
  WarningMessage,
} from '../../core/server/contract.js';
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

export function stackStatus(overrides: Partial<StackStatus> = {}): StackStatus {
  return {
    startedAt: Date.now() - 60_000,
    readOnly: false,
    parts: {
      redis: { state: 'running', address: 'redis://127.0.0.1:6379', detail: 'embedded' },
      broker: { state: 'running', address: 'mqtt://127.0.0.1:1883', detail: null },
      ingest: { state: 'running', address: null, detail: 'rule temp_readings' },
      emulator: { state: 'stopped', address: null, detail: null },
    },
    emulator: emulatorStatus(),
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
        lastError: null,
      },
      rates: { at: Date.now(), receivedPerSec: 200, writtenPerSec: 199, rejectedPerSec: 0, redisCommandsPerSec: 12 },
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
