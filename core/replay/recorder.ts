import { createWriteStream, type WriteStream } from 'node:fs';
import type { RecordingState, RecordingStopReason } from '../api/replay.js';
import type { DeliveryListener } from '../broker/broker.js';
import { levelsMatchTopic } from '../domain/topic-filter.js';
import { recordedLine } from './replay-line.js';

/** The broker's one hook the recorder needs: hear every delivered message until told to stop. */
export interface DeliveryTap {
  onDelivery(listener: DeliveryListener): () => void;
}

export interface RecordingTarget {
  name: string;
  /** The file the lines go to; created, never overwritten. */
  path: string;
  filter: string;
}

export interface RecorderOptions {
  /** The file stops before it grows past this. */
  maxBytes: number;
  /** Lines held in memory (ours and the stream's) before messages are dropped from the recording. */
  bufferBytes: number;
  log: (line: string) => void;
  /** Called with the final state once the file is closed, whatever stopped it. */
  onStopped: (state: RecordingState) => void;
  now?: () => number;
}

/** Lines are handed to the file stream in chunks of about this much, not one write per message. */
const CHUNK_BYTES = 64 * 1024;

/**
 * One recording: every message the broker delivers on the filter, one NDJSON line each (see
 * replay-line.ts), appended to a file. The broker's thread only formats the line and adds it to a
 * chunk; chunks go to a write stream once per turn of the event loop (or when 64 KiB are
 * gathered), and while the stream is behind (its write() said so) the lines wait for its 'drain'.
 * When the stream and the waiting lines hold bufferBytes, further messages are left out of the
 * recording and counted as dropped: the broker never waits for the disk. The file stops one line
 * short of maxBytes, and says so.
 */
export class Recording {
  private readonly levels: readonly string[];
  private readonly stream: WriteStream;
  private readonly unhook: () => void;
  private readonly now: () => number;
  private chunk = '';
  private chunkBytes = 0;
  private flushScheduled = false;
  private readonly startedAt: number;
  private stoppedAt: number | null = null;
  private messages = 0;
  private bytes = 0;
  private dropped = 0;
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private stopReason: RecordingStopReason | null = null;
  private error: string | null = null;
  private stopping: Promise<RecordingState> | null = null;
  private readonly stopped: Promise<RecordingState>;
  private markStopped: (state: RecordingState) => void = () => undefined;

  private constructor(
    private readonly target: RecordingTarget,
    tap: DeliveryTap,
    stream: WriteStream,
    private readonly options: RecorderOptions,
  ) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.levels = target.filter.split('/');
    this.stream = stream;
    stream.on('drain', () => this.flush());
    stream.on('error', (error) => {
      this.error = error.message;
      void this.stop('write-error');
    });
    this.unhook = tap.onDelivery(this.hear);
  }

  /** Creates the file (refusing one that exists) and starts listening. */
  static async start(target: RecordingTarget, tap: DeliveryTap, options: RecorderOptions): Promise<Recording> {
    const stream = createWriteStream(target.path, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new Recording(target, tap, stream, options);
  }

  get name(): string {
    return this.target.name;
  }

  get active(): boolean {
    return this.stopReason === null;
  }

  state(): RecordingState {
    return {
      name: this.target.name,
      filter: this.target.filter,
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt,
      messages: this.messages,
      bytes: this.bytes,
      dropped: this.dropped,
      maxBytes: this.options.maxBytes,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      stopReason: this.stopReason,
      error: this.error,
    };
  }

  /** Resolves with the final state once the file is closed, whatever stopped it (the user, the size cap, a write error). */
  whenStopped(): Promise<RecordingState> {
    return this.stopped;
  }

  /** Stops listening, writes what is gathered and closes the file; the same answer however often it is called. */
  stop(reason: RecordingStopReason = 'stopped'): Promise<RecordingState> {
    this.stopping ??= this.close(reason);
    return this.stopping;
  }

  private async close(reason: RecordingStopReason): Promise<RecordingState> {
    this.unhook();
    this.stopReason = reason;
    this.stoppedAt = this.now();
    if (reason !== 'write-error') {
      if (this.chunk !== '') this.stream.write(this.chunk);
      this.chunk = '';
      this.chunkBytes = 0;
      await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    } else {
      this.stream.destroy();
    }
    const state = this.state();
    const { log } = this.options;
    if (reason === 'size-cap') log(`recording ${this.target.name} STOPPED at its size cap (${this.options.maxBytes} bytes, --record-max-bytes): ${this.messages} messages in ${this.target.path}`);
    else if (reason === 'write-error') log(`recording ${this.target.name} STOPPED: the file could not be written (${this.error}); ${this.messages} messages were recorded`);
    else log(`recording ${this.target.name} stopped: ${this.messages} messages, ${this.bytes} bytes in ${this.target.path}${this.dropped > 0 ? `, ${this.dropped} dropped (the disk fell behind)` : ''}`);
    this.options.onStopped(state);
    this.markStopped(state);
    return state;
  }

  /** Runs for every message the broker delivers, on its thread: a match, a line, a string append. */
  private readonly hear: DeliveryListener = (message, clientId) => {
    if (this.stopReason !== null || !levelsMatchTopic(this.levels, message.topic)) return;
    const time = this.now();
    const line = recordedLine(time, message.topic, message.qos, message.retain, clientId, message.payload);
    const bytes = Buffer.byteLength(line);
    if (this.bytes + bytes > this.options.maxBytes) {
      void this.stop('size-cap');
      return;
    }
    if (this.chunkBytes + this.stream.writableLength + bytes > this.options.bufferBytes) {
      this.dropped += 1;
      return;
    }
    this.chunk += line;
    this.chunkBytes += bytes;
    this.bytes += bytes;
    this.messages += 1;
    this.firstAt ??= time;
    this.lastAt = time;
    if (this.chunkBytes >= CHUNK_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  };

  /** Hands the gathered lines to the stream, unless it asked to wait for 'drain'. */
  private flush(): void {
    if (this.chunk === '' || this.stopReason !== null || this.stream.writableNeedDrain) return;
    this.stream.write(this.chunk);
    this.chunk = '';
    this.chunkBytes = 0;
  }
}
