import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { startWorker } from '../threads/worker-entry.js';
import { EMPTY_INGEST_SNAPSHOT, type IngestSnapshot } from './ingest-snapshot.js';
import { ALL_TOPICS, type WriteStrategy } from './ingest.js';
import type { FromIngestWorker, MessageBatch, ToIngestWorker } from './ingest-worker-protocol.js';
import type { IngestWorkerData } from './ingest-worker.js';
import type { InboundMessage, MessageSource } from '../domain/message-source.js';
import { TopicRouter, type TopicRuleTally } from './topic-rules.js';
import { type TopicRule } from '../domain/topic-rule.js';
import { NOTHING_UNWRITTEN, type UnwrittenReadings } from './write-buffer.js';

export interface IngestThreadOptions {
  source: MessageSource;
  redisUrl: string;
  model: Config['model'];
  settings: Config['ingest'];
  energy: Config['energy'];
  /** Open the meter datagram listener (in the worker) at energy.udpHost:udpPort. */
  listenUdp: boolean;
  strategy?: WriteStrategy;
  log: (line: string) => void;
}



/** One batch being gathered on the broker's thread until the next turn of the event loop. */
class PendingBatch {
  handlers: number[] = [];
  receivedAt: number[] = [];
  payloads: Buffer[] = [];
  topics: string[] = [];
  clientIds: Array<string | null> = [];
  qos: number[] = [];
  releases: Array<() => void> = [];
  bytes = 0;

  get size(): number {
    return this.handlers.length;
  }

  /** `release` is null when the publisher was already let go. */
  add(handler: number, message: InboundMessage, release: (() => void) | null): void {
    this.handlers.push(handler);
    this.receivedAt.push(message.receivedAt);
    this.payloads.push(message.payload);
    this.topics.push(message.topic);
    this.clientIds.push(message.clientId);
    this.qos.push(message.qos);
    if (release) this.releases.push(release);
    this.bytes += message.payload.length;
  }

  encode(seq: number): MessageBatch {
    const bytes = new Uint8Array(this.bytes);
    const offsets = new Uint32Array(this.payloads.length + 1);
    let offset = 0;
    this.payloads.forEach((payload, index) => {
      offsets[index] = offset;
      bytes.set(payload, offset);
      offset += payload.length;
    });
    offsets[this.payloads.length] = offset;
    return {
      type: 'messages',
      seq,
      handlers: Uint8Array.from(this.handlers),
      receivedAt: Float64Array.from(this.receivedAt),
      offsets,
      bytes,
      topics: this.topics,
      clientIds: this.clientIds,
      qos: Uint8Array.from(this.qos),
    };
  }
}

/**
 * The broker-side half of ingest: routes every message by the topic rules, hands those a rule
 * writes to the ingest worker in batches, and lets each publisher go on once the worker holds its messages, so the
 * worker's buffer limit still slows publishers down.
 */
export class IngestThread {
  private pending: PendingBatch | null = null;
  private seq = 0;
  private readonly awaitingAcceptance = new Map<number, { count: number; releases: Array<() => void> }>();
  /** Messages posted to the worker that it has not yet confirmed holding. */
  private unaccepted = 0;
  private latest: IngestSnapshot = EMPTY_INGEST_SNAPSHOT;
  private unsubscribers: Array<() => Promise<void>> = [];
  private drained: ((unwritten: UnwrittenReadings) => void) | null = null;
  private stopping: Promise<UnwrittenReadings> | null = null;
  failure: string | null = null;
  /** Where meters send datagrams; null when not listening. */
  udpUrl: string | null = null;
  private readonly strategy: WriteStrategy;
  private router: TopicRouter;

  private constructor(
    private readonly worker: Worker,
    private readonly options: IngestThreadOptions,
  ) {
    this.strategy = options.strategy ?? 'batched';
    this.router = new TopicRouter(options.settings.topicRules);
  }

  static async start(options: IngestThreadOptions): Promise<IngestThread> {
    const workerData: IngestWorkerData = {
      redisUrl: options.redisUrl,
      model: options.model,
      settings: options.settings,
      energy: options.energy,
      listenUdp: options.listenUdp,
      strategy: options.strategy ?? 'batched',
    };
    const worker = startWorker(import.meta.url, 'ingest-worker', { workerData });
    const thread = new IngestThread(worker, options);
    await thread.whenReady();
    thread.unsubscribers.push(await options.source.subscribe(ALL_TOPICS, (message, release) => thread.route(message, release)));
    return thread;
  }

  /** Takes effect with the next message; the tally starts again. */
  setTopicRules(rules: readonly TopicRule[]): void {
    this.router = new TopicRouter(rules);
  }

  topicRules(): TopicRuleTally {
    return this.router.tally();
  }

  snapshot(): IngestSnapshot {
    return this.latest;
  }

  resetLatency(): void {
    this.post({ type: 'reset-latency' });
  }

  /** Stops taking messages, lets the worker write what it holds, and returns what Redis did not take. */
  stop(): Promise<UnwrittenReadings> {
    this.stopping ??= this.drainAndEnd();
    return this.stopping;
  }

  private async drainAndEnd(): Promise<UnwrittenReadings> {
    await Promise.all(this.unsubscribers.map((unsubscribe) => unsubscribe()));
    this.unsubscribers = [];
    this.flush();
    if (this.failure) {
      await this.worker.terminate();
      return NOTHING_UNWRITTEN;
    }
    const unwritten = new Promise<UnwrittenReadings>((resolve) => (this.drained = resolve));
    this.post({ type: 'drain' });
    const result = await unwritten;
    await this.worker.terminate();
    return result;
  }

  private whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromIngestWorker) => {
        if (message.type === 'ready') {
          this.udpUrl = message.udpUrl;
          resolve();
        }
        else if (message.type === 'failed') reject(new Error(message.error));
        else this.handle(message);
      });
      this.worker.on('exit', () => this.drained?.(NOTHING_UNWRITTEN));
      this.worker.on('error', (error) => {
        this.failure = error.message;
        this.options.log(`INGEST FAILED: the ingest worker crashed (${error.message}); readings are held back, restart the stack`);
        reject(error);
      });
    });
  }

  private handle(message: FromIngestWorker): void {
    if (message.type === 'accepted') {
      const batch = this.awaitingAcceptance.get(message.seq);
      this.awaitingAcceptance.delete(message.seq);
      if (!batch) return;
      this.unaccepted -= batch.count;
      for (const release of batch.releases) release();
    } else if (message.type === 'snapshot') {
      this.latest = message.snapshot;
    } else if (message.type === 'log') {
      this.options.log(message.line);
    } else if (message.type === 'drained') {
      this.drained?.(message.unwritten);
    }
  }

  /**
   * While the worker has room the publisher goes on at once (waiting for the worker's answer would
   * allow one read chunk per connection per round trip); once it is full, publishers wait for it.
   * The per-reading strategy has no buffer: like the source document's Lambda, a publisher waits
   * for its readings to be written.
   */
  private route(message: InboundMessage, release: () => void): void {
    const handler = this.router.handlerFor(message.topic);
    if (handler === null) release();
    else this.take(handler, message, release);
  }

  private take(handler: number, message: InboundMessage, release: () => void): void {
    if (!this.pending) {
      this.pending = new PendingBatch();
      setImmediate(() => this.flush());
    }
    const hasRoom =
      this.strategy === 'batched' &&
      !this.latest.bufferFull &&
      this.latest.buffered + this.unaccepted + this.pending.size < this.options.settings.bufferLimit;
    this.pending.add(handler, message, hasRoom ? null : release);
    if (hasRoom) release();
  }

  private flush(): void {
    const batch = this.pending;
    if (!batch) return;
    this.pending = null;
    const seq = this.seq++;
    this.awaitingAcceptance.set(seq, { count: batch.size, releases: batch.releases });
    this.unaccepted += batch.size;
    const encoded = batch.encode(seq);
    this.post(encoded, [encoded.bytes.buffer as ArrayBuffer]);
  }

  private post(message: ToIngestWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
