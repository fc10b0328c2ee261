import type {
  ActiveConnection,
  ConnectionCheck,
  ConnectionInput,
  ConnectionList,
  ConnectionView,
} from './connections.js';
import type { ApiError } from './api-error.js';
import type {
  ConnectionKit,
  PasswordKit,
  RefusalSummary,
  RegisteredDevicePage,
  TopicRulesUpdate,
  TopicRulesView,
  DeviceRegistrationRequest,
} from './devices.js';
import type { ConsoleExample, ConsoleReply, ConsoleRequest } from './console.js';
import type {
  ArchivedObjects,
  ArchiveStatus,
  PendingBuckets,
  S3ConnectionCheck,
} from './archive.js';
import type {
  BrokerClientList,
  BrokerPublishRequest,
  BrokerPublishResult,
  BrokerTopicList,
} from './broker.js';
import type {
  EnergyReadings,
  EnergySeries,
  MeterEmulatorCommand,
  MeterEmulatorStatus,
  MeterList,
} from './energy.js';
import type { TopicRule } from '../domain/topic-rule.js';
import type {
  ClimateCounters,
  DataModel,
  DeviceDetail,
  EventRange,
  EventSearch,
  RecentEvents,
  RejectedPayloads,
} from './events.js';
import type { KeyDetail, KeyPage } from './keys.js';
import type { KeyType } from '../domain/key-type.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from './status.js';
import type { LiveFrame, LiveSubscribe, LiveTopic } from './live.js';

/** Where the API is and the per-launch token; the only thing a client needs to know. */
export interface ApiEndpoint {
  origin: string;
  token: string;
}

/** The typed client the renderer (and any script) uses; plain fetch and WebSocket, so it runs in a browser and in Node. */
export class ApiClient {
  constructor(private readonly endpoint: ApiEndpoint) {}

  status(): Promise<StackStatus> {
    return this.request('GET', '/api/status');
  }

  /** Null when the emulator has never been started and the command was stop. */
  emulator(command: EmulatorCommand): Promise<EmulatorStatus | null> {
    return this.request('POST', '/api/emulator', command);
  }

  recentEvents(limit = 24): Promise<RecentEvents> {
    return this.request('GET', `/api/events?limit=${limit}`);
  }

  eventRange(from: number, to: number, limit = 100): Promise<EventRange> {
    return this.request('GET', `/api/events/range?from=${from}&to=${to}&limit=${limit}`);
  }

  searchEvents(match: string, cursor = '0', count = 100): Promise<EventSearch> {
    return this.request('GET', `/api/events/search?${new URLSearchParams({ match, cursor, count: String(count) })}`);
  }

  device(deviceId: string): Promise<DeviceDetail> {
    return this.request('GET', `/api/devices/${encodeURIComponent(deviceId)}`);
  }

  climate(): Promise<ClimateCounters> {
    return this.request('GET', '/api/climate');
  }

  rejected(limit = 100): Promise<RejectedPayloads> {
    return this.request('GET', `/api/rejected?limit=${limit}`);
  }

  dataModel(): Promise<DataModel> {
    return this.request('GET', '/api/model');
  }

  meters(limit = 200): Promise<MeterList> {
    return this.request('GET', `/api/meters?limit=${limit}`);
  }

  /** Energy sums per interval over [from, to] (Unix seconds), read from Redis, S3 or both. */
  meterEnergy(deviceId: string, from: number, to: number, intervalSeconds: number): Promise<EnergySeries> {
    return this.request('GET', `/api/meters/${encodeURIComponent(deviceId)}/energy?from=${from}&to=${to}&interval=${intervalSeconds}`);
  }

  meterReadings(deviceId: string, from: number, to: number, limit = 500): Promise<EnergyReadings> {
    return this.request('GET', `/api/meters/${encodeURIComponent(deviceId)}/readings?from=${from}&to=${to}&limit=${limit}`);
  }

  /** Null when the meter emulator has never been started and the command was stop. */
  meterEmulator(command: MeterEmulatorCommand): Promise<MeterEmulatorStatus | null> {
    return this.request('POST', '/api/emulator/meters', command);
  }

  archive(): Promise<ArchiveStatus> {
    return this.request('GET', '/api/archive');
  }

  /** Starts an archive pass (or joins the running one) and answers at once; follow it with archive(). */
  runArchive(): Promise<ArchiveStatus> {
    return this.request('POST', '/api/archive/run', {});
  }

  pendingBuckets(cursor = '0', count = 100): Promise<PendingBuckets> {
    return this.request('GET', `/api/archive/pending?cursor=${encodeURIComponent(cursor)}&count=${count}`);
  }

  archivedObjects(after: string | null = null): Promise<ArchivedObjects> {
    return this.request('GET', `/api/archive/objects${after === null ? '' : `?after=${encodeURIComponent(after)}`}`);
  }

  testS3Connection(): Promise<S3ConnectionCheck> {
    return this.request('POST', '/api/archive/test', {});
  }

  /** One walk of SCAN steps; pass the answer's cursor back to continue ("0" in the answer: the walk is complete). */
  keys(options: { cursor?: string; match?: string; type?: KeyType; count?: number; maxExamined?: number } = {}): Promise<KeyPage> {
    return this.request('GET', `/api/keys?${queryString(options)}`);
  }

  /** TTL, memory and one page of the value; `offset` is the previous answer's `next`. */
  keyDetail(key: string, page: { offset?: string; limit?: number } = {}): Promise<KeyDetail> {
    return this.request('GET', `/api/keys/detail?${queryString({ key, ...page })}`);
  }

  connections(): Promise<ConnectionList> {
    return this.request('GET', '/api/connections');
  }

  addConnection(input: ConnectionInput): Promise<ConnectionView> {
    return this.request('POST', '/api/connections', input);
  }

  /** Secrets left out of `input.secrets` stay as stored. */
  updateConnection(id: string, input: ConnectionInput): Promise<ConnectionView> {
    return this.request('PUT', `/api/connections/${encodeURIComponent(id)}`, input);
  }

  async deleteConnection(id: string): Promise<void> {
    await this.request('DELETE', `/api/connections/${encodeURIComponent(id)}`);
  }

  testConnection(id: string): Promise<ConnectionCheck> {
    return this.request('POST', `/api/connections/${encodeURIComponent(id)}/test`, {});
  }

  /** Tests settings before they are saved; with `editing`, as an edit of that saved connection (its stored secrets fill in). */
  testConnectionInput(input: ConnectionInput, editing?: string): Promise<ConnectionCheck> {
    return this.request('POST', `/api/connections/test${editing === undefined ? '' : `?id=${encodeURIComponent(editing)}`}`, input);
  }

  /** Points every page at this connection; fails (and keeps the current one) when it cannot connect. */
  activateConnection(id: string): Promise<ActiveConnection> {
    return this.request('POST', `/api/connections/${encodeURIComponent(id)}/activate`, {});
  }

  console(line: string): Promise<ConsoleReply> {
    return this.request('POST', '/api/console', { line } satisfies ConsoleRequest);
  }

  consoleExamples(): Promise<ConsoleExample[]> {
    return this.request('GET', '/api/console/examples');
  }

  topicRules(): Promise<TopicRulesView> {
    return this.request('GET', '/api/ingest/topic-rules');
  }

  /** Replaces the whole table; it takes effect with the next message and is saved in the data dir. */
  saveTopicRules(rules: TopicRule[]): Promise<TopicRulesView> {
    return this.request('PUT', '/api/ingest/topic-rules', { rules } satisfies TopicRulesUpdate);
  }

  registeredDevices(cursor = '0', count = 100): Promise<RegisteredDevicePage> {
    return this.request('GET', `/api/devices/registry?cursor=${encodeURIComponent(cursor)}&count=${count}`);
  }

  /** Registers a device; the answer holds its password or private key, which the server never shows again. */
  registerDevice(request: DeviceRegistrationRequest): Promise<ConnectionKit> {
    return this.request('POST', '/api/devices/registry', request);
  }

  /** Unregisters a device; the broker disconnects it. */
  async removeDevice(id: string): Promise<void> {
    await this.request('DELETE', `/api/devices/registry/${encodeURIComponent(id)}`);
  }

  /** A new password for a password device; the old one stops working at once. */
  newDevicePassword(id: string): Promise<PasswordKit> {
    return this.request('POST', `/api/devices/registry/${encodeURIComponent(id)}/password`, {});
  }

  refusals(): Promise<RefusalSummary> {
    return this.request('GET', '/api/devices/refusals');
  }

  brokerClients(limit = 1000): Promise<BrokerClientList> {
    return this.request('GET', `/api/broker/clients?limit=${limit}`);
  }

  /** Topics published to since the broker started, in topic order, those starting with `prefix`. */
  brokerTopics(prefix = '', limit = 1000): Promise<BrokerTopicList> {
    return this.request('GET', `/api/broker/topics?${new URLSearchParams({ prefix, limit: String(limit) })}`);
  }

  /** Publishes one message as the workbench itself; rejects with the server's reason on bad input. */
  publishTestMessage(message: BrokerPublishRequest): Promise<BrokerPublishResult> {
    return this.request('POST', '/api/broker/publish', message);
  }

  /** Opens the live channel; `onFrame` gets at most four frames a second. Returns a handle to change topics or close. */
  live(topics: LiveTopic[], onFrame: (frame: LiveFrame) => void, onState: (connected: boolean) => void): LiveConnection {
    return new LiveConnection(this.endpoint, topics, onFrame, onState);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint.origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      throw new Error(`HTTP ${response.status} from ${path}: not JSON (${text.slice(0, 80)})`);
    }
    if (!response.ok) throw new Error((payload as ApiError | null)?.error ?? `HTTP ${response.status} from ${path}`);
    return payload as T;
  }
}

/** Query parameters with the unset ones left out. */
function queryString(parameters: Record<string, string | number | undefined>): URLSearchParams {
  return new URLSearchParams(Object.entries(parameters).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])));
}

const RECONNECT_MS = 1000;

/** The live WebSocket, reconnecting after a second whenever it drops until closed. */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly endpoint: ApiEndpoint,
    private topics: LiveTopic[],
    private readonly onFrame: (frame: LiveFrame) => void,
    private readonly onState: (connected: boolean) => void,
  ) {
    this.open();
  }

  subscribe(topics: LiveTopic[]): void {
    this.topics = topics;
    this.send();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.close();
  }

  private open(): void {
    const url = new URL('/api/live', this.endpoint.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.endpoint.token);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.onState(true);
      this.send();
    };
    socket.onmessage = (event) => this.onFrame(JSON.parse(String(event.data)) as LiveFrame);
    socket.onclose = () => {
      this.onState(false);
      if (!this.closed) this.retry = setTimeout(() => this.open(), RECONNECT_MS);
    };
  }

  private send(): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const message: LiveSubscribe = { subscribe: this.topics };
    this.socket.send(JSON.stringify(message));
  }
}

/** Reads the endpoint from the page address: the token arrives in the fragment (desktop) or query (browser mode). */
export function endpointFromLocation(location: { origin: string; search: string; hash: string }): ApiEndpoint | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromQuery = new URLSearchParams(location.search);
  const token = fromHash.get('token') ?? fromQuery.get('token');
  if (!token) return null;
  return { origin: fromHash.get('api') ?? location.origin, token };
}
