import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { idleReplayStatus, type RecordingFile, type RecordingsView, type RecordingState, type ReplayCommand, type ReplayKeysCleared, type ReplayRequest, type ReplayStatus } from '../api/replay.js';
import type { Broker } from '../broker/broker.js';
import type { Config } from '../config/schema.js';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.js';
import { REPLAY_LIVE_CLIENT_ID, REPLAY_PREFIXED_CLIENT_ID, noSkipsByReason } from '../domain/replay.js';
import type { TopicRule } from '../domain/topic-rule.js';
import { TopicRouter } from '../ingest/topic-rules.js';
import type { EnergyS3Target } from '../query/energy-query.js';
import { ArchiveSource } from '../replay/archive-source.js';
import { FileSource } from '../replay/file-source.js';
import { Recording } from '../replay/recorder.js';
import { RecordingStore, type FilesInUse } from '../replay/recording-store.js';
import type { LineChecks } from '../replay/replay-line.js';
import { inProcessPublisher, type ReplayPublisherFactory } from '../replay/replay-publisher.js';
import { ReplayRun } from '../replay/replay-run.js';
import type { ReplaySourceReader } from '../replay/replay-source.js';
import type { RecordReplayBackend } from '../server/api-backend.js';
import type { Log } from './stack-parts.js';

export interface RecordReplayParts {
  config: Pick<Config, 'dataDir' | 'readOnly' | 'replay' | 'energy'>;
  /** Null in a process without the bundled broker (a scale-out role): recordings are files only, and recording or replaying is refused with `noBroker`. */
  broker: Pick<Broker, 'onDelivery' | 'publishAsWorkbench' | 'limits'> | null;
  /** Why there is no bundled broker, when there is none. */
  noBroker?: string;
  /** The topic rules ingest routes by now: a replay line on a topic none of them writes is skipped. */
  topicRules: () => readonly TopicRule[];
  /** The workbench's own Redis, where the replay keys are cleared. */
  redis: Redis;
  energyArchive: EnergyS3Target | null;
  /** False in read-only mode: nothing would take a replay's messages. */
  ingesting: boolean;
  log: Log;
  /** Where replays publish; the bundled broker in-process unless given (e.g. the scale-out's outside broker). */
  publishers?: ReplayPublisherFactory;
}

/** Recordings of the broker's traffic and the replay: the use cases behind the Broker page's Record and Replay panels. */
export function recordReplay(parts: RecordReplayParts): RecordReplay {
  return new RecordReplay(parts);
}

/** The replay's rate is the mean over this much of the latest real time. */
const RATE_WINDOW_MS = 5000;

/** One replay from start to end, and whatever it learned on the way. */
interface ReplaySession {
  request: ReplayRequest;
  state: 'preparing' | 'failed' | 'stopped' | 'running';
  label: string;
  fileName: string | null;
  source: ReplaySourceReader | null;
  run: ReplayRun | null;
  target: string | null;
  error: string | null;
  startedAt: number;
  endedAt: number | null;
  /** (real ms, published) now and then, for the rate. */
  samples: Array<[number, number]>;
}

export class RecordReplay implements RecordReplayBackend {
  private readonly store: RecordingStore;
  private recording: Recording | null = null;
  private lastRecording: RecordingState | null = null;
  private starting = false;
  private session: ReplaySession | null = null;
  private readonly publishers: ReplayPublisherFactory;

  constructor(private readonly parts: RecordReplayParts) {
    this.store = new RecordingStore(join(parts.config.dataDir, 'recordings'));
    this.publishers = parts.publishers ?? (async (clientId) => inProcessPublisher(this.bundledBroker(), clientId));
  }

  private bundledBroker(): NonNullable<RecordReplayParts['broker']> {
    if (!this.parts.broker) throw new Conflict(this.parts.noBroker ?? 'record and replay need the bundled broker, and this process has none');
    return this.parts.broker;
  }

  async recordings(): Promise<RecordingsView> {
    return {
      active: this.recording?.active ? this.recording.state() : null,
      last: this.lastRecording,
      files: await this.store.list(this.inUse()),
      maxBytes: this.parts.config.replay.recordMaxBytes,
      directory: this.store.directory,
    };
  }

  async startRecording({ name, filter }: { name?: string; filter: string }): Promise<RecordingState> {
    const broker = this.bundledBroker();
    if (this.recording?.active) throw new Conflict(`recording ${this.recording.name} is running: stop it first`);
    if (this.starting) throw new Conflict('a recording is being started');
    this.starting = true;
    try {
      const chosen = name ?? defaultRecordingName(new Date());
      const path = await this.store.refuseExisting(chosen);
      const { recordMaxBytes, recordBufferBytes } = this.parts.config.replay;
      this.recording = await Recording.start({ name: chosen, path, filter }, broker, {
        maxBytes: recordMaxBytes,
        bufferBytes: recordBufferBytes,
        log: this.parts.log,
        onStopped: (state) => this.recordingStopped(state),
      });
      this.parts.log(`recording ${chosen}: every message on ${filter} goes to ${path} (at most ${recordMaxBytes} bytes)`);
      return this.recording.state();
    } finally {
      this.starting = false;
    }
  }

  async stopRecording(): Promise<RecordingState> {
    const recording = this.recording;
    if (!recording?.active) throw new Conflict('no recording is running');
    return recording.stop('stopped');
  }

  async deleteRecording(name: string): Promise<void> {
    await this.store.remove(name, this.inUse());
    this.parts.log(`recording ${name} deleted`);
  }

  recordingFile(name: string): Promise<{ stream: Readable; bytes: number }> {
    return this.store.open(name);
  }

  async importRecording(name: string, body: Readable): Promise<RecordingFile> {
    await this.store.import(name, body, this.parts.config.replay.recordMaxBytes);
    const source = await FileSource.open({ path: this.store.pathOf(name), maxLineBytes: this.parts.config.replay.maxLineBytes, checks: this.lineChecks() });
    await this.store.saveScan(name, source.found());
    this.parts.log(`file ${name} uploaded for replay: ${source.total} messages, ${source.skipped.total} lines that are not`);
    return this.store.describe(name, this.inUse());
  }

  replayStatus(): ReplayStatus {
    const { keyPrefix } = this.parts.config.replay;
    const session = this.session;
    if (!session) return idleReplayStatus(keyPrefix);
    const figures = session.run?.figures() ?? null;
    const source = session.source;
    return {
      state: session.state === 'running' ? figures!.state : session.state,
      source: session.request.source,
      sourceLabel: session.label,
      keys: session.request.keys,
      keyPrefix,
      target: session.target,
      speed: figures?.speed ?? session.request.speed,
      loop: figures?.loop ?? session.request.loop,
      loops: figures?.loops ?? 0,
      startTime: source?.startTime ?? null,
      endTime: source?.endTime ?? null,
      emulatedTime: figures?.emulatedTime ?? null,
      progress: figures?.progress ?? 0,
      published: figures?.published ?? 0,
      acknowledged: figures?.acknowledged ?? 0,
      total: source?.total ?? null,
      ratePerSecond: this.rate(session, figures?.published ?? 0),
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      skipped: source?.skipped.view() ?? { total: 0, byReason: noSkipsByReason(), lines: [] },
      badBuckets: [...(source?.badBuckets ?? [])],
      error: figures?.error ?? session.error,
    };
  }

  async startReplay(request: ReplayRequest): Promise<ReplayStatus> {
    this.bundledBroker();
    if (this.parts.config.readOnly || !this.parts.ingesting) throw new Conflict('read-only mode: nothing is ingested, so there is nothing to replay into');
    if (this.session && (this.session.state === 'preparing' || this.session.run?.running)) throw new Conflict('a replay is running: stop it first');
    const { source } = request;
    if (source.kind === 'archive' && request.keys === 'live') {
      throw new InvalidInput('keys: an archived range replays under the replay key prefix only; into the live keys the archiver would merge its readings back into the very objects they came from', 'keys');
    }
    if (source.kind === 'archive' && !this.parts.energyArchive) throw new Conflict('no S3 archive is configured (--s3-bucket): there is no archived range to replay');
    if (source.kind === 'file') {
      const found = await stat(this.store.pathOf(source.name)).then((info) => info.isFile(), () => false);
      if (!found) throw new NotFound(`no recording ${source.name}`);
    }
    const session: ReplaySession = {
      request,
      state: 'preparing',
      label: source.kind === 'file' ? `file ${source.name}` : `meter ${source.deviceId} from S3`,
      fileName: source.kind === 'file' ? source.name : null,
      source: null,
      run: null,
      target: null,
      error: null,
      startedAt: Date.now(),
      endedAt: null,
      samples: [],
    };
    this.session = session;
    void this.prepare(session).catch((error: Error) => {
      session.state = 'failed';
      session.error = error.message;
      session.endedAt = Date.now();
      this.parts.log(`replay of ${session.label} FAILED: ${error.message}`);
    });
    return this.replayStatus();
  }

  async controlReplay(command: ReplayCommand): Promise<ReplayStatus> {
    const session = this.session;
    const run = session?.run;
    if (session?.state === 'preparing' && command.action === 'stop') {
      session.state = 'stopped';
      session.endedAt = Date.now();
      return this.replayStatus();
    }
    if (!run?.running) throw new Conflict(session?.state === 'preparing' ? 'the replay is still being prepared (its source read): try again in a moment' : 'no replay is running');
    switch (command.action) {
      case 'pause':
        run.pause();
        break;
      case 'resume':
        run.resume();
        break;
      case 'stop':
        await run.stop();
        break;
      case 'seek':
        if (command.fraction !== undefined) run.seekFraction(command.fraction);
        else run.seek(command.time!);
        break;
      case 'configure':
        run.configure(command);
        break;
    }
    return this.replayStatus();
  }

  async clearReplayKeys(): Promise<ReplayKeysCleared> {
    if (this.parts.config.readOnly) throw new Conflict('read-only mode: nothing is deleted');
    if (this.session?.state === 'preparing' || this.session?.run?.running) throw new Conflict('a replay is running: stop it before clearing its keys');
    const { keyPrefix } = this.parts.config.replay;
    const pattern = `${escapeGlob(keyPrefix)}*`;
    const { redis } = this.parts;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // SCAN MATCH is a glob: checked again, so only names that really start with the prefix go.
      const mine = keys.filter((key) => key.startsWith(keyPrefix));
      if (mine.length > 0) deleted += await redis.unlink(...mine);
    } while (cursor !== '0');
    this.parts.log(`replay keys cleared: ${deleted} keys under ${keyPrefix}`);
    return { keyPrefix, deleted, command: `redis-cli --scan --pattern '${pattern}' | xargs redis-cli unlink` };
  }

  /** Shutdown: the replay stops, the recording's file is completed. */
  async stop(): Promise<void> {
    if (this.session) {
      if (this.session.state === 'preparing') this.session.state = 'stopped';
      await this.session.run?.stop();
    }
    await this.recording?.stop('shutdown');
  }

  private async prepare(session: ReplaySession): Promise<void> {
    const { request } = session;
    const source = await this.openSource(request);
    session.label = source.label;
    session.source = source;
    // Stopped (or replaced) while its source was read.
    if (this.session !== session || session.state !== 'preparing') return;
    const runId = randomBytes(4).toString('hex');
    const publisher = await this.publishers(`${request.keys === 'prefix' ? REPLAY_PREFIXED_CLIENT_ID : REPLAY_LIVE_CLIENT_ID}${runId}`);
    session.target = publisher.target;
    session.run = new ReplayRun({
      source,
      publisher,
      speed: request.speed,
      loop: request.loop,
      onEnd: (run) => {
        session.endedAt = Date.now();
        const { state, published, acknowledged, error } = run.figures();
        this.parts.log(`replay of ${session.label} ${state}: ${published} messages published, ${acknowledged} acknowledged${error ? ` (${error})` : ''}`);
      },
    });
    session.state = 'running';
    const where = request.keys === 'prefix' ? `under the replay key prefix ${this.parts.config.replay.keyPrefix}` : 'into the LIVE keys';
    this.parts.log(`replay of ${source.label} at ${request.speed}× ${where}${request.loop ? ', looping' : ''}: ${source.total ?? 'an unknown number of'} messages to ${publisher.target}`);
  }

  private async openSource(request: ReplayRequest): Promise<ReplaySourceReader> {
    const { source } = request;
    if (source.kind === 'archive') {
      return ArchiveSource.open({ s3: this.parts.energyArchive!, deviceId: source.deviceId, from: source.from, to: source.to, bucketSeconds: this.parts.config.energy.bucketSeconds });
    }
    const file = await FileSource.open({
      path: this.store.pathOf(source.name),
      maxLineBytes: this.parts.config.replay.maxLineBytes,
      checks: this.lineChecks(),
      label: `file ${source.name}`,
    });
    await this.store.saveScan(source.name, file.found()).catch(() => undefined);
    return file;
  }

  /** A replay line's topic must be one a topic rule writes, and its payload one the broker takes. */
  private lineChecks(): LineChecks {
    const router = new TopicRouter(this.parts.topicRules());
    const maxPayloadBytes = this.bundledBroker().limits.maxPayloadBytes ?? Number.POSITIVE_INFINITY;
    return {
      maxPayloadBytes,
      unknownTopic: (topic) => (router.handlerFor(topic) === null ? 'no topic rule writes this topic (Topic rules page)' : null),
    };
  }

  private recordingStopped(state: RecordingState): void {
    this.lastRecording = state;
    void this.store.saveRecorded(state).catch((error: Error) => this.parts.log(`recording ${state.name}: its summary could not be saved (${error.message})`));
  }

  private inUse(): FilesInUse {
    const session = this.session;
    const replaying = session && (session.state === 'preparing' || session.run?.running) ? session.fileName : null;
    return { recording: this.recording?.active ? this.recording.name : null, replaying };
  }

  /** Published per second over the last RATE_WINDOW_MS, from samples taken when the status is read. */
  private rate(session: ReplaySession, published: number): number {
    const now = performance.now();
    const { samples } = session;
    if (samples.length === 0 || now - samples.at(-1)![0] >= 250) samples.push([now, published]);
    while (samples.length > 2 && now - samples[1]![0] >= RATE_WINDOW_MS) samples.shift();
    const [since, before] = samples[0]!;
    const seconds = (now - since) / 1000;
    return seconds > 0.2 ? (published - before) / seconds : 0;
  }
}

/** recording-20261102-140509 (UTC). */
export function defaultRecordingName(at: Date): string {
  const iso = at.toISOString();
  return `recording-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/** SCAN MATCH treats * ? [ ] \ as glob characters. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
