import type { z } from 'zod';
import type { apiKeyCreateSchema, apiKeyUpdateSchema, UsageRange } from './api-keys.js';
import type { ConnectionInput } from './connections.js';
import { ApiRequestError, malformedAnswer, readApiError } from './api-error.js';
import type { DeviceRegistrationRequest } from './devices.js';
import type { BrokerPublishRequest } from './broker.js';
import { recordingFilePath, recordingFileSchema, type RecordingStart, type ReplayCommand, type ReplayStart } from './replay.js';
import type { MeterEmulatorCommand } from './energy.js';
import type { TopicRule } from '../domain/topic-rule.js';
import type { IndexDefinitionInput } from '../domain/index-definition.js';
import type { IndexCompareRequest, IndexLookupQuery } from './indexes.js';
import type { KeyType } from '../domain/key-type.js';
import type { EmulatorCommand } from './status.js';
import type { LiveFrame, LiveSubscribe, LiveTopic } from './live.js';
import { routeUrl, type Route, type RouteRequest, type RouteResponse } from './route.js';
import { EXPORT_ROUTES, liveChannel, routes } from './routes.js';
import { attachmentFilename, EXPORT_TOTAL_HEADER, exportFilename, type ExportRequestOf, type ExportResponse, type ExportView } from './export.js';

/** Where the API is and the per-launch token; the only thing a client needs to know. */
export interface ApiEndpoint {
  origin: string;
  token: string;
}

/**
 * The typed client the renderer (and any script) uses; plain fetch and WebSocket, so it runs in a
 * browser and in Node. Every request is built from the route table; a failure rejects with an
 * ApiRequestError carrying the server's kind, field and error id.
 */
export class ApiClient {
  constructor(private readonly endpoint: ApiEndpoint) {}

  status() {
    return this.call(routes.status, {});
  }

  emulator(command: EmulatorCommand) {
    return this.call(routes.emulator, { body: command });
  }

  recentEvents(limit?: number) {
    return this.call(routes.recentEvents, { query: { limit } });
  }

  eventRange(from: number, to: number, limit?: number) {
    return this.call(routes.eventRange, { query: { from, to, limit } });
  }

  searchEvents(match: string, cursor?: string, count?: number) {
    return this.call(routes.searchEvents, { query: { match, cursor, count } });
  }

  device(deviceId: string) {
    return this.call(routes.device, { params: { deviceId } });
  }

  climate() {
    return this.call(routes.climate, {});
  }

  rejected(limit?: number) {
    return this.call(routes.rejected, { query: { limit } });
  }

  dataModel() {
    return this.call(routes.dataModel, {});
  }

  meters(limit?: number) {
    return this.call(routes.meters, { query: { limit } });
  }

  /** Energy sums per interval over [from, to] (Unix seconds), read from Redis, S3 or both. */
  meterEnergy(deviceId: string, from: number, to: number, intervalSeconds: number) {
    return this.call(routes.meterEnergy, { params: { deviceId }, query: { from, to, interval: intervalSeconds } });
  }

  meterReadings(deviceId: string, from: number, to: number, limit?: number) {
    return this.call(routes.meterReadings, { params: { deviceId }, query: { from, to, limit } });
  }

  meterEmulator(command: MeterEmulatorCommand) {
    return this.call(routes.meterEmulator, { body: command });
  }

  archive() {
    return this.call(routes.archive, {});
  }

  /** Starts an archive pass (or joins the running one) and answers at once; follow it with archive(). */
  runArchive() {
    return this.call(routes.runArchive, {});
  }

  pendingBuckets(cursor?: string, count?: number) {
    return this.call(routes.pendingBuckets, { query: { cursor, count } });
  }

  archivedObjects(after: string | null = null) {
    return this.call(routes.archivedObjects, { query: { after: after ?? undefined } });
  }

  testS3Connection() {
    return this.call(routes.testS3Connection, {});
  }

  /** One walk of SCAN steps; pass the answer's cursor back to continue ("0" in the answer: the walk is complete). */
  keys(options: { cursor?: string; match?: string; type?: KeyType; count?: number; maxExamined?: number } = {}) {
    return this.call(routes.keys, { query: options });
  }

  /** TTL, memory and one page of the value; `offset` is the previous answer's `next`. */
  keyDetail(key: string, page: { offset?: string; limit?: number } = {}) {
    return this.call(routes.keyDetail, { query: { key, ...page } });
  }

  connections() {
    return this.call(routes.connections, {});
  }

  addConnection(input: ConnectionInput) {
    return this.call(routes.addConnection, { body: input });
  }

  /** Secrets left out of `input.secrets` stay as stored. */
  updateConnection(id: string, input: ConnectionInput) {
    return this.call(routes.updateConnection, { params: { id }, body: input });
  }

  deleteConnection(id: string) {
    return this.call(routes.deleteConnection, { params: { id } });
  }

  testConnection(id: string) {
    return this.call(routes.testConnection, { params: { id } });
  }

  /** Tests settings before they are saved; with `editing`, as an edit of that saved connection (its stored secrets fill in). */
  testConnectionInput(input: ConnectionInput, editing?: string) {
    return this.call(routes.testConnectionInput, { query: { id: editing }, body: input });
  }

  /** Points every page at this connection; fails (and keeps the current one) when it cannot connect. */
  activateConnection(id: string) {
    return this.call(routes.activateConnection, { params: { id } });
  }

  console(line: string) {
    return this.call(routes.console, { body: { line } });
  }

  consoleExamples() {
    return this.call(routes.consoleExamples, {});
  }

  topicRules() {
    return this.call(routes.topicRules, {});
  }

  /** Replaces the whole table; it takes effect with the next message and is saved in the data dir. */
  saveTopicRules(rules: TopicRule[]) {
    return this.call(routes.saveTopicRules, { body: { rules } });
  }

  registeredDevices(cursor?: string, count?: number) {
    return this.call(routes.registeredDevices, { query: { cursor, count } });
  }

  /** Registers a device; the answer holds its password or private key, which the server never shows again. */
  registerDevice(request: DeviceRegistrationRequest) {
    return this.call(routes.registerDevice, { body: request });
  }

  /** Unregisters a device; the broker disconnects it. */
  removeDevice(id: string) {
    return this.call(routes.removeDevice, { params: { id } });
  }

  /** A new password for a password device; the old one stops working at once. */
  newDevicePassword(id: string) {
    return this.call(routes.newDevicePassword, { params: { id } });
  }

  refusals() {
    return this.call(routes.refusals, {});
  }

  brokerClients(limit?: number) {
    return this.call(routes.brokerClients, { query: { limit } });
  }

  /** Topics published to since the broker started, in topic order, those starting with `prefix`. */
  brokerTopics(prefix?: string, limit?: number) {
    return this.call(routes.brokerTopics, { query: { prefix, limit } });
  }

  /** Publishes one message as the workbench itself; rejects with the server's reason on bad input. */
  publishTestMessage(message: BrokerPublishRequest) {
    return this.call(routes.publishTestMessage, { body: message });
  }

  /** The recording running, the last one, and the recording files. */
  recordings() {
    return this.call(routes.recordings, {});
  }

  /** Records every message the broker delivers on `filter` (default `#`) to a new file in the data dir. */
  startRecording(request: RecordingStart = {}) {
    return this.call(routes.startRecording, { body: request });
  }

  stopRecording() {
    return this.call(routes.stopRecording, {});
  }

  deleteRecording(name: string) {
    return this.call(routes.deleteRecording, { params: { name } });
  }

  /** A link that downloads the file (the token rides in the query, as a link cannot send a header). */
  recordingDownloadUrl(name: string): string {
    return `${this.endpoint.origin}${recordingFilePath(name)}?token=${encodeURIComponent(this.endpoint.token)}`;
  }

  /**
   * Starts an export of a view and resolves once the server answers, with the file's name, the
   * rows it announced and the body to read as it streams; `signal` aborts the request (the server
   * then stops reading). Rejects with the server's reason: 400 naming the parameter, 503 when Redis is down.
   */
  async exportFile<V extends ExportView>(view: V, request: ExportRequestOf<V>, signal?: AbortSignal): Promise<ExportResponse> {
    const route = EXPORT_ROUTES[view];
    const response = await fetch(`${this.endpoint.origin}${routeUrl(route, {}, request)}`, { headers: { authorization: `Bearer ${this.endpoint.token}` }, signal });
    if (!response.ok) {
      const text = await response.text();
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        payload = undefined;
      }
      throw new ApiRequestError(response.status, readApiError(payload, `HTTP ${response.status} from ${route.path}`));
    }
    if (!response.body) throw new ApiRequestError(response.status, { error: `HTTP ${response.status} from ${route.path} without a body`, kind: 'unexpected' });
    const total = response.headers.get(EXPORT_TOTAL_HEADER);
    return {
      // The name is not readable across origins (the renderer's dev server): the one the server would give.
      filename: attachmentFilename(response.headers.get('content-disposition')) ?? exportFilename(view, { format: 'csv', ...request }),
      total: total === null || !/^\d+$/.test(total) ? null : Number(total),
      body: response.body,
    };
  }

  /** Uploads a recording or an events export (NDJSON) under `name`, for replay; the answer is its entry in the list. */
  async importRecording(name: string, body: Blob | string) {
    const path = recordingFilePath(name);
    const response = await fetch(`${this.endpoint.origin}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiRequestError(response.status, { error: `HTTP ${response.status} from ${path}: not JSON (${text.slice(0, 80)})`, kind: 'unexpected' });
    }
    if (!response.ok) throw new ApiRequestError(response.status, readApiError(payload, `HTTP ${response.status} from ${path}`));
    const answer = recordingFileSchema.safeParse(payload);
    if (!answer.success) throw new ApiRequestError(response.status, malformedAnswer(`PUT ${path}`, answer.error));
    return answer.data;
  }

  replay() {
    return this.call(routes.replay, {});
  }

  /** Starts a replay (answering at once, while its source is read); rejects while another runs. */
  startReplay(request: ReplayStart) {
    return this.call(routes.startReplay, { body: request });
  }

  /** Pause, resume, stop, seek (to a time or a fraction), or a new speed or loop setting. */
  controlReplay(command: ReplayCommand) {
    return this.call(routes.controlReplay, { body: command });
  }

  /** Deletes every key under the replay key prefix (never a live key). */
  clearReplayKeys() {
    return this.call(routes.clearReplayKeys, {});
  }

  apiKeys() {
    return this.call(routes.apiKeys, {});
  }

  createApiKey(request: z.input<typeof apiKeyCreateSchema>) {
    return this.call(routes.createApiKey, { body: request });
  }

  updateApiKey(id: string, change: z.input<typeof apiKeyUpdateSchema>) {
    return this.call(routes.updateApiKey, { params: { id }, body: change });
  }

  revokeApiKey(id: string) {
    return this.call(routes.revokeApiKey, { params: { id } });
  }

  apiKeyUsage(id: string, range?: UsageRange) {
    return this.call(routes.apiKeyUsage, { params: { id }, query: { range } });
  }

  indexes() {
    return this.call(routes.indexes, {});
  }

  /** Defines an index over the hashes `match` finds and starts building it; refused on a read-only connection. */
  defineIndex(definition: IndexDefinitionInput) {
    return this.call(routes.defineIndex, { body: definition });
  }

  deleteIndex(name: string) {
    return this.call(routes.deleteIndex, { params: { name } });
  }

  pauseIndex(name: string) {
    return this.call(routes.pauseIndex, { params: { name } });
  }

  resumeIndex(name: string) {
    return this.call(routes.resumeIndex, { params: { name } });
  }

  /** Compares the index with a fresh scan: missing and stale entries. */
  verifyIndex(name: string) {
    return this.call(routes.verifyIndex, { params: { name } });
  }

  repairIndex(name: string) {
    return this.call(routes.repairIndex, { params: { name } });
  }

  lookupIndex(name: string, query: Partial<IndexLookupQuery>) {
    return this.call(routes.lookupIndex, { params: { name }, query });
  }

  /** The same question by SCAN + filter and by the index, timed side by side. */
  compareIndex(request: IndexCompareRequest) {
    return this.call(routes.compareIndex, { body: request });
  }

  /**
   * Opens the live channel; `onFrame` gets at most four frames a second, `onProblem` what arrived
   * that is not a frame (it is dropped). Returns a handle to change topics or close.
   */
  live(topics: LiveTopic[], onFrame: (frame: LiveFrame) => void, onState: (connected: boolean) => void, onProblem: (message: string) => void = () => undefined): LiveConnection {
    return new LiveConnection(this.endpoint, topics, { onFrame, onState, onProblem });
  }

  private async call<T extends Route>(route: T, request: RouteRequest<T>): Promise<RouteResponse<T>> {
    const path = routeUrl(route, request.params, request.query);
    const body = route.hasBody ? JSON.stringify(request.body) : undefined;
    const response = await fetch(`${this.endpoint.origin}${path}`, {
      method: route.method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body }),
    });
    const text = await response.text();
    let payload: unknown;
    try {
      // An empty body (a 204) is undefined, which only a z.void() answer accepts.
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiRequestError(response.status, { error: `HTTP ${response.status} from ${route.path}: not JSON (${text.slice(0, 80)})`, kind: 'unexpected' });
    }
    if (!response.ok) throw new ApiRequestError(response.status, readApiError(payload, `HTTP ${response.status} from ${route.path}`));
    const answer = parseWith<T['response']>(route.response, payload);
    if (!answer.success) throw new ApiRequestError(response.status, malformedAnswer(`${route.method} ${route.path}`, answer.error));
    return answer.data;
  }
}

/** Kept generic so the answer's type is the schema's own output. */
function parseWith<S extends z.ZodType>(schema: S, payload: unknown): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(payload);
}

const RECONNECT_MS = 1000;

export interface LiveListener {
  onFrame(frame: LiveFrame): void;
  onState(connected: boolean): void;
  /** A message that is not a frame: not JSON, malformed (which field), or the server refusing a subscription. */
  onProblem(message: string): void;
}

/** The live WebSocket, reconnecting after a second whenever it drops until closed; every frame is parsed with its schema. */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly endpoint: ApiEndpoint,
    private topics: LiveTopic[],
    private readonly listener: LiveListener,
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
    const url = new URL(liveChannel.path, this.endpoint.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.endpoint.token);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.listener.onState(true);
      this.send();
    };
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = () => {
      this.listener.onState(false);
      if (!this.closed) this.retry = setTimeout(() => this.open(), RECONNECT_MS);
    };
  }

  private receive(data: string): void {
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      this.listener.onProblem(`the live channel sent something that is not JSON (${data.slice(0, 80)})`);
      return;
    }
    const frame = liveChannel.frame.safeParse(message);
    if (frame.success) return this.listener.onFrame(frame.data);
    const refusal = liveChannel.refusal.safeParse(message);
    this.listener.onProblem(refusal.success ? `the live channel refused the subscription: ${refusal.data.error}` : malformedAnswer(liveChannel.path, frame.error).error);
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
