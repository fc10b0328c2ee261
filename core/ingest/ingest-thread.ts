import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { startWorker } from '../threads/worker-entry.js';
import { EMPTY_INGEST_SNAPSHOT, type IngestSnapshot } from './ingest-snapshot.js';
import { addHistograms } from './latency-buckets.js';
import { ALL_TOPICS, routedHandler, type WriteStrategy } from './ingest.js';
import type { FromIngestWorker, MessageBatch, ToIngestWorker } from './ingest-worker-protocol.js';
import type { IngestWorkerData } from './ingest-worker.js';
import type { InboundMessage, MessageSource } from '../domain/message-source.js';
import { DEFAULT_REPLAY_KEY_PREFIX } from '../domain/replay.js';
import { ANOTHER_COPY, TopicRouter, type TopicRuleTally } from './topic-rules.js';
import { type TopicRule } from '../domain/topic-rule.js';
import { NOTHING_UNWRITTEN, type UnwrittenReadings } from './write-buffer.js';
import type { WriteTarget } from '../redis/connect.js';

export interface IngestThreadOptions {
  /** Where MQTT messages come from; absent for a process that takes only meter datagrams (role udp). */
  source?: MessageSource;
  /** The Redis ingest writes to: one server, or a cluster. */
  target: WriteTarget;
  model: Config['model'];
  /** In front of the keys a prefixed replay's messages are written to; DEFAULT_REPLAY_KEY_PREFIX when not given. */
  replayKeyPrefix?: string;
  settings: Config['ingest'];
  energy: Config['energy'];
  /** Open the meter datagram listener (in the worker) at energy.udpHost:udpPort. */
  listenUdp: boolean;
  strategy?: WriteStrategy;
  /**
   * 'after-write' is the product. 'on-receipt' lets publishers go as soon as their message is
   * queued, as the workbench did before acknowledging after the write: the benchmark's baseline only.
   */
  acknowledge?: 'after-write' | 'on-receipt';
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

/** A crash right after a restart waits before the next attempt, so a worker that cannot start does not spin. */
const RESTART_DELAYS_MS = [0, 250, 1000, 2000, 5000];
/** A worker that ran this long without crashing resets the back-off. */
const STABLE_AFTER_MS = 10_000;

/** How the ingest worker has fared, for the Overview. */
export interface WorkerHealth {
  restarts: number;
  lastCrash: { at: number; reason: string } | null;
}

/**
 * The broker-side half of ingest: routes every message by the topic rules and hands those a rule
 * writes to the ingest worker in numbered batches. A publisher is acknowledged once the worker
 * reports its batch written to Redis (a QoS 0 publisher, which expects no acknowledgement, goes on
 * at once while there is room). Each batch is kept until then, so when the worker crashes a new
 * one is started and given every batch its predecessor had not got into Redis; the worker's
 * progress marker tells which those are, so nothing is lost and nothing is written twice.
 */
export class IngestThread {
  private pending: PendingBatch | null = null;
  private seq = 0;
  /** Posted (or waiting for a worker) and not yet written, by seq in posting order. */
  private readonly unwritten = new Map<number, PendingBatch>();
  /** Messages handed to the worker that it has not yet reported written. */
  private unacknowledged = 0;
  private latest: IngestSnapshot = EMPTY_INGEST_SNAPSHOT;
  /** The counters of the workers that crashed, so the figures carry on from where they were. */
  private earlier: IngestSnapshot = EMPTY_INGEST_SNAPSHOT;
  private unsubscribers: Array<() => Promise<void>> = [];
  /** A source that delivers only what is subscribed to: one subscription per topic rule filter, by filter. */
  private readonly ruleSubscriptions = new Map<string, () => Promise<void>>();
  private drained: ((unwritten: UnwrittenReadings) => void) | null = null;
  private stopping: Promise<UnwrittenReadings> | null = null;
  private worker: Worker | null = null;
  private workerReady: Promise<void> = Promise.resolve();
  private startedAt = 0;
  private consecutiveCrashes = 0;
  private readonly writerId = randomBytes(6).toString('hex');
  /** Why the worker last failed to start, while it cannot. */
  failure: string | null = null;
  readonly health: WorkerHealth = { restarts: 0, lastCrash: null };
  /** Where meters send datagrams; null when not listening. */
  udpUrl: string | null = null;
  private readonly strategy: WriteStrategy;
  private router: TopicRouter;

  private constructor(private readonly options: IngestThreadOptions) {
    this.strategy = options.strategy ?? 'batched';
    this.router = new TopicRouter(options.settings.topicRules);
  }

  static async start(options: IngestThreadOptions): Promise<IngestThread> {
    const thread = new IngestThread(options);
    thread.workerReady = thread.startWorker();
    await thread.workerReady;
    const { source } = options;
    if (source?.subscribesPerRule) await thread.subscribeToRules(source);
    else if (source) thread.unsubscribers.push(await source.subscribe(ALL_TOPICS, (message, release) => thread.route(message, release)));
    return thread;
  }

  /** Takes effect with the next message; the tally starts again. A source subscribed per rule follows the new filters. */
  async setTopicRules(rules: readonly TopicRule[]): Promise<void> {
    this.router = new TopicRouter(rules);
    const { source } = this.options;
    if (source?.subscribesPerRule && !this.stopping) await this.subscribeToRules(source);
  }

  /** Subscribes to every rule's filter not subscribed yet and drops the subscriptions no rule has any more. */
  private async subscribeToRules(source: MessageSource): Promise<void> {
    const filters = new Set(this.router.rules.map(({ filter }) => filter));
    for (const [filter, unsubscribe] of this.ruleSubscriptions) {
      if (filters.has(filter)) continue;
      this.ruleSubscriptions.delete(filter);
      await unsubscribe();
    }
    for (const filter of filters) {
      if (this.ruleSubscriptions.has(filter)) continue;
      this.ruleSubscriptions.set(filter, await source.subscribe(filter, (message, release) => this.routeVia(filter, message, release)));
    }
  }

  topicRules(): TopicRuleTally {
    return this.router.tally();
  }

  snapshot(): IngestSnapshot {
    return this.health.restarts === 0 ? this.latest : combineSnapshots(this.earlier, this.latest);
  }

  /** The worker's V8 heap in use, in bytes; null while no worker runs. Its memory is part of the process's RSS, but not of its main heap. */
  async workerHeapUsedBytes(): Promise<number | null> {
    const worker = this.worker;
    // Worker#getHeapStatistics came with Node 22.16; on an older Node the figure is simply not there.
    if (!worker || typeof worker.getHeapStatistics !== 'function') return null;
    return (await worker.getHeapStatistics()).used_heap_size;
  }

  resetLatency(): void {
    this.worker?.postMessage({ type: 'reset-latency' } satisfies ToIngestWorker);
  }

  /** Stops taking messages, lets the worker write what it holds, and returns what Redis did not take. */
  stop(): Promise<UnwrittenReadings> {
    this.stopping ??= this.drainAndEnd();
    return this.stopping;
  }

  private async drainAndEnd(): Promise<UnwrittenReadings> {
    await Promise.all([...this.unsubscribers, ...this.ruleSubscriptions.values()].map((unsubscribe) => unsubscribe()));
    this.unsubscribers = [];
    this.ruleSubscriptions.clear();
    this.flush();
    await this.workerReady.catch(() => undefined);
    const worker = this.worker;
    if (!worker) return this.leftUnacknowledged();
    const unwritten = new Promise<UnwrittenReadings>((resolve) => (this.drained = resolve));
    worker.postMessage({ type: 'drain' } satisfies ToIngestWorker);
    const result = await unwritten;
    await worker.terminate();
    return result;
  }

  /** Without a worker nothing can be written; the publishers of these messages were never acknowledged and send them again. */
  private leftUnacknowledged(): UnwrittenReadings {
    if (this.unacknowledged > 0) this.options.log(`ingest stopped without a worker: ${this.unacknowledged} unacknowledged messages are left to their publishers to send again`);
    return NOTHING_UNWRITTEN;
  }

  private startWorker(): Promise<void> {
    const { options } = this;
    // A restarted worker listens where its predecessor did, even when the port was picked freely.
    const udpPort = this.udpUrl === null ? options.energy.udpPort : Number(new URL(this.udpUrl).port);
    const workerData: IngestWorkerData = {
      target: options.target,
      model: options.model,
      replayKeyPrefix: options.replayKeyPrefix ?? DEFAULT_REPLAY_KEY_PREFIX,
      settings: options.settings,
      energy: { ...options.energy, udpPort },
      listenUdp: options.listenUdp,
      strategy: this.strategy,
      writerId: this.writerId,
    };
    const worker = startWorker(import.meta.url, 'ingest-worker', { workerData });
    this.worker = null;
    this.startedAt = Date.now();
    return new Promise((resolve, reject) => {
      let ready = false;
      let crash: string | null = null;
      worker.on('message', (message: FromIngestWorker) => {
        if (message.type === 'ready') {
          ready = true;
          this.workerStarted(worker, message.udpUrl, message.appliedSourceSeq);
          resolve();
        } else if (message.type === 'failed') {
          crash = message.error;
          void worker.terminate();
        } else this.handle(message);
      });
      worker.on('error', (error) => (crash = error.message));
      worker.on('exit', (code) => {
        if (this.stopping) {
          this.drained?.(NOTHING_UNWRITTEN);
          return;
        }
        const reason = crash ?? `the worker thread exited (code ${code})`;
        if (!ready) reject(new Error(reason));
        if (ready || this.health.restarts > 0) this.crashed(reason);
      });
    });
  }

  private workerStarted(worker: Worker, udpUrl: string | null, appliedSourceSeq: number): void {
    this.worker = worker;
    this.udpUrl = udpUrl;
    this.failure = null;
    for (const [seq, batch] of this.unwritten) {
      if (seq <= appliedSourceSeq) this.written(seq);
      else this.post(seq, batch);
    }
  }

  /** The worker died: start another and hand it what the dead one had not written. */
  private crashed(reason: string): void {
    this.earlier = combineSnapshots(this.earlier, this.latest);
    this.latest = EMPTY_INGEST_SNAPSHOT;
    this.worker = null;
    this.consecutiveCrashes = Date.now() - this.startedAt > STABLE_AFTER_MS ? 1 : this.consecutiveCrashes + 1;
    this.health.restarts += 1;
    this.health.lastCrash = { at: Date.now(), reason };
    this.failure = reason;
    const delay = RESTART_DELAYS_MS[Math.min(this.consecutiveCrashes - 1, RESTART_DELAYS_MS.length - 1)]!;
    this.options.log(
      `INGEST WORKER CRASHED (${reason}); restart ${this.health.restarts} in ${delay} ms; ${this.unacknowledged} unacknowledged messages are kept for the new worker`,
    );
    const restart = () => {
      this.workerReady = this.startWorker().catch(() => undefined);
    };
    if (delay === 0) restart();
    else setTimeout(restart, delay).unref();
  }

  private handle(message: FromIngestWorker): void {
    if (message.type === 'written') this.written(message.seq);
    else if (message.type === 'snapshot') this.latest = message.snapshot;
    else if (message.type === 'log') this.options.log(message.line);
    else if (message.type === 'drained') this.drained?.(message.unwritten);
  }

  private written(seq: number): void {
    const batch = this.unwritten.get(seq);
    if (!batch) return;
    this.unwritten.delete(seq);
    this.unacknowledged -= batch.size;
    for (const release of batch.releases) release();
  }

  /**
   * A QoS 0 publisher expects no acknowledgement and goes on at once while the worker has room;
   * everyone else waits until their message is written. The per-reading strategy has no buffer:
   * like the source document's Lambda, every publisher waits for its reading's write.
   */
  private route(message: InboundMessage, release: () => void): void {
    const handler = this.router.handlerFor(message.topic);
    if (handler === null) release();
    else this.take(routedHandler(handler, message.clientId), message, release);
  }

  /** A copy of a message through the subscription to `filter`; of overlapping rules' copies only the first matching rule's is taken. */
  private routeVia(filter: string, message: InboundMessage, release: () => void): void {
    const handler = this.router.handlerVia(message.topic, filter);
    if (handler === null || handler === ANOTHER_COPY) release();
    else this.take(handler, message, release);
  }

  private take(handler: number, message: InboundMessage, release: () => void): void {
    if (!this.pending) {
      this.pending = new PendingBatch();
      setImmediate(() => this.flush());
    }
    const goesOn =
      (message.qos === 0 || this.options.acknowledge === 'on-receipt') &&
      this.strategy === 'batched' &&
      !this.latest.bufferFull &&
      this.latest.buffered + this.unacknowledged + this.pending.size < this.options.settings.bufferLimit;
    this.pending.add(handler, message, goesOn ? null : release);
    if (goesOn) release();
    if (this.pending.size >= this.options.settings.maxBatch) this.flush();
  }

  private flush(): void {
    const batch = this.pending;
    if (!batch) return;
    this.pending = null;
    const seq = this.seq++;
    this.unwritten.set(seq, batch);
    this.unacknowledged += batch.size;
    if (this.worker) this.post(seq, batch);
  }

  private post(seq: number, batch: PendingBatch): void {
    const encoded = batch.encode(seq);
    this.worker!.postMessage(encoded satisfies ToIngestWorker, [encoded.bytes.buffer as ArrayBuffer]);
  }
}

/** The counters of two workers one after the other; the state (buffer, latency, last error) is the later one's. */
function combineSnapshots(earlier: IngestSnapshot, later: IngestSnapshot): IngestSnapshot {
  const rejectedByReason = { ...earlier.rejectedByReason };
  for (const [reason, count] of Object.entries(later.rejectedByReason)) rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + count;
  return {
    ...later,
    received: earlier.received + later.received,
    written: earlier.written + later.written,
    rejected: earlier.rejected + later.rejected,
    rejectedByReason,
    dropped: earlier.dropped + later.dropped,
    writeErrors: earlier.writeErrors + later.writeErrors,
    possibleRecounts: earlier.possibleRecounts + later.possibleRecounts,
    batches: earlier.batches + later.batches,
    meterReadingsReceived: earlier.meterReadingsReceived + later.meterReadingsReceived,
    meterReadingsWritten: earlier.meterReadingsWritten + later.meterReadingsWritten,
    meterPayloadsRejected: earlier.meterPayloadsRejected + later.meterPayloadsRejected,
    meterDatagramsDropped: earlier.meterDatagramsDropped + later.meterDatagramsDropped,
    hashMessagesReceived: earlier.hashMessagesReceived + later.hashMessagesReceived,
    hashMessagesWritten: earlier.hashMessagesWritten + later.hashMessagesWritten,
    latencyHistogram: addHistograms(earlier.latencyHistogram, later.latencyHistogram),
  };
}
