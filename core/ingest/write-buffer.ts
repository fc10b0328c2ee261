import { randomBytes } from 'node:crypto';
import { Cluster, ReplyError, type Redis } from 'ioredis';
import { ClusterBatchWriter, clusterBatchState, type ClusterBatchState } from './cluster-batch-writer.js';
import type { IngestCounters } from './ingest-figures.js';
import { preciseNow } from '../domain/clock.js';
import { clusterWrites, type ClusterWrite } from '../model/cluster-writes.js';
import { deadLetterWrites, type DeadLetter } from '../model/dead-letter-persist.js';
import type { KeySchema } from '../model/keys.js';
import { meterWrites } from '../model/meter-persist.js';
import type { MeterReading } from '../model/meter-reading.js';
import type { RedisCommand } from '../model/redis-command.js';
import { thermostatWrites } from '../model/thermostat-persist.js';
import { topicHashWrites, type TopicHashEntry } from '../model/topic-hash-persist.js';
import type { QueuedReading } from './queued-reading.js';
import { WriteQueue, type QueuedBatch } from './write-queue.js';

export interface WriteBufferOptions {
  /** A single server takes each batch as one MULTI; a cluster as one pipeline per node (ClusterBatchWriter). */
  redis: Redis | Cluster;
  keys: KeySchema;
  /** Where what a replay's rules offer (items marked `replay`) is written; without it they go to `keys`. */
  replayKeys?: KeySchema;
  counters: IngestCounters;
  /** Writes held in memory before the buffer counts as full: QoS 0 publishers then wait for their writes too, and meter datagrams are dropped. */
  bufferLimit: number;
  maxBatch: number;
  deadLetterCap: number;
  /** Length of one energy bucket, which decides the list a meter reading goes to. */
  bucketSeconds: number;
  log: (line: string) => void;
  /** Names the progress marker; stable across restarts of a worker so that its successor can read how far it got. */
  writerId?: string;
}

/** What Redis had not taken when a drain gave up. */
export interface UnwrittenReadings {
  thermostats: QueuedReading[];
  meters: MeterReading[];
  topicHashes: TopicHashEntry[];
}

/** A drain that left nothing behind. Frozen: it is shared. */
export const NOTHING_UNWRITTEN: UnwrittenReadings = Object.freeze({ thermostats: [], meters: [], topicHashes: [] });

interface Batch extends QueuedBatch {
  seq: number;
  id: string;
  /** On a cluster: what of the batch its nodes have not confirmed, from the first attempt on. */
  cluster?: ClusterBatchState;
}

/** Redis error replies that mean "not now" rather than "never": the batch is kept and retried. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

function isPermanent(error: Error): boolean {
  return error instanceof ReplyError && !TRANSIENT_REPLY.test(error.message);
}

/**
 * Errors of the transaction's commands, plus those the batch scripts report for their own writes:
 * a script's reply is its list of refused writes (see THERMOSTAT_BATCH_SCRIPT, METER_BATCH_SCRIPT).
 */
function refusedCommands(replies: Array<[error: Error | null, result: unknown]>, commands: readonly RedisCommand[]): string[] {
  return replies.flatMap(([error, result], index) => {
    if (error) return [error.message];
    return commands[index]![0] === 'eval' && Array.isArray(result) ? result.map(String) : [];
  });
}

/** Transient failures are retried soon; a refusal that no retry fixes is retried at the last step until someone fixes Redis. */
const RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

/** While Redis refuses every batch, the log says so again this often. */
const REFUSAL_REMINDER_MS = 60_000;

/**
 * Two, so that encoding the next batch overlaps Redis applying the previous one. One on a cluster:
 * there a batch's writes can succeed on one node and wait for a retry on another, and a later batch
 * must not overwrite a device hash or a score that the earlier one's retry would then set back.
 */
const MAX_IN_FLIGHT = 2;
const MAX_IN_FLIGHT_ON_CLUSTER = 1;

/** A writer's progress marker outlives its process long enough for a restart to read it, then goes. */
const PROGRESS_TTL_SECONDS = 86_400;

/**
 * Holds offered writes until Redis has them, and only then releases their messages: a publisher
 * is acknowledged once its reading is in Redis, never before. Up to two transactions are in
 * flight on the one connection, so the next batch is encoded while Redis applies the previous
 * one; whatever arrives meanwhile forms the next batch, so batches grow with load. Redis applies
 * them in order. After a failure the unconfirmed batches are retried in order until Redis
 * answers; each transaction records its sequence number (and the source batches it completes,
 * see WriteQueue) in the writer's progress marker, so a batch whose reply was lost is recognised
 * as applied instead of being counted twice.
 */
export class WriteBuffer {
  private readonly queue = new WriteQueue();
  /** Sent and not yet confirmed, oldest first. */
  private inFlight: Batch[] = [];
  private recovering = false;
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  private fullSince: number | null = null;
  private refusedSince: number | null = null;
  private lastRefusalLog = 0;
  private batchSeq = 0;
  private readonly instanceId = randomBytes(6).toString('hex');
  private readonly progressKey: string;
  private drainedListeners: Array<() => void> = [];
  private readonly clusterWriter: ClusterBatchWriter | null;
  private readonly maxInFlight: number;
  lastError: string | null = null;

  constructor(private readonly options: WriteBufferOptions) {
    this.progressKey = options.keys.writerProgress(options.writerId ?? this.instanceId);
    this.clusterWriter = options.redis instanceof Cluster ? new ClusterBatchWriter(options.redis, options.counters) : null;
    this.maxInFlight = this.clusterWriter ? MAX_IN_FLIGHT_ON_CLUSTER : MAX_IN_FLIGHT;
  }

  /** The last source batch the writer `writerId` had in Redis, from its progress marker; -1 when none. */
  static async appliedSourceSeq(redis: Redis | Cluster, keys: KeySchema, writerId: string): Promise<number> {
    return parseProgress(await redis.get(keys.writerProgress(writerId)))?.sourceSeq ?? -1;
  }

  get buffered(): number {
    let count = this.queue.readingCount;
    for (const batch of this.inFlight) count += batch.readings.length + batch.meterReadings.length + batch.topicHashes.length;
    return count;
  }

  get hasRoom(): boolean {
    let held = this.queue.itemCount;
    for (const batch of this.inFlight) held += batch.readings.length + batch.meterReadings.length + batch.topicHashes.length + batch.deadLetters.length;
    return held < this.options.bufferLimit;
  }

  /** Messages whose publishers wait for their writes. */
  get waitingPublishers(): number {
    return this.queue.releaseCount + this.inFlight.reduce((sum, batch) => sum + batch.releases.length, 0);
  }

  get isFull(): boolean {
    return this.fullSince !== null;
  }

  /** Why Redis refuses every batch, while it does: intake has stopped and nothing is acknowledged. */
  get refusal(): string | null {
    return this.refusedSince === null ? null : this.lastError;
  }

  /** `release` is called once the reading is in Redis; null: the sender cannot be told (UDP, QoS 0 let go already). */
  offerReading(reading: QueuedReading, release: (() => void) | null): void {
    this.queue.addReading(reading, release);
    this.offered();
  }

  /** The readings of one meter payload; released together once the last is written. */
  offerMeterReadings(readings: readonly MeterReading[], release: (() => void) | null): void {
    this.queue.addMeterReadings(readings, release);
    this.offered();
  }

  /** A message a json-hash topic rule stores. */
  offerTopicHash(entry: TopicHashEntry, release: (() => void) | null): void {
    this.queue.addTopicHash(entry, release);
    this.offered();
  }

  /** A rejected message: released once it is counted and dead-lettered in Redis. */
  offerDeadLetter(letter: DeadLetter, release: (() => void) | null): void {
    this.queue.addDeadLetter(letter, release);
    this.offered();
  }

  /** Messages offered from here to closeSourceBatch are never split across transactions (see WriteQueue). */
  openSourceBatch(): void {
    this.queue.openSourceBatch();
  }

  closeSourceBatch(seq: number): void {
    this.queue.closeSourceBatch(seq);
    this.scheduleFlush();
  }

  /** Resolves once everything offered so far is in Redis, or with what is left after timeoutMs. */
  async drain(timeoutMs: number): Promise<UnwrittenReadings> {
    if (this.isEmpty()) return NOTHING_UNWRITTEN;
    const drained = new Promise<void>((resolve) => this.drainedListeners.push(resolve));
    const timedOut = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([drained, timedOut]);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const waiting = this.queue.remaining();
    return {
      thermostats: [...this.inFlight.flatMap((batch) => batch.readings), ...waiting.readings],
      meters: [...this.inFlight.flatMap((batch) => batch.meterReadings), ...waiting.meterReadings],
      topicHashes: [...this.inFlight.flatMap((batch) => batch.topicHashes), ...waiting.topicHashes],
    };
  }

  private isEmpty(): boolean {
    return this.inFlight.length === 0 && this.queue.isEmpty;
  }

  private offered(): void {
    if (!this.hasRoom) this.noteFull();
    this.scheduleFlush();
  }

  private noteFull(): void {
    if (this.fullSince !== null) return;
    this.fullSince = Date.now();
    this.options.log(
      `ingest buffer FULL: ${this.buffered} readings held (limit ${this.options.bufferLimit}); publishers are being slowed down until Redis catches up` +
        (this.lastError ? ` (last Redis error: ${this.lastError})` : ''),
    );
  }

  private noteRoom(): void {
    if (this.fullSince === null || !this.hasRoom) return;
    this.options.log(`ingest buffer has room again after ${((Date.now() - this.fullSince) / 1000).toFixed(1)} s`);
    this.fullSince = null;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.sendMore();
    });
  }

  private sendMore(): void {
    while (!this.recovering && this.inFlight.length < this.maxInFlight) {
      const taken = this.queue.take(this.options.maxBatch);
      if (!taken) break;
      const seq = this.batchSeq++;
      const batch: Batch = { ...taken, seq, id: `${this.instanceId}:${seq}` };
      this.inFlight.push(batch);
      void this.send(batch);
    }
    if (this.isEmpty()) this.notifyDrained();
  }

  private async send(batch: Batch): Promise<void> {
    try {
      this.completed(batch, await this.apply(batch));
    } catch (error) {
      this.failed(error as Error);
    }
  }

  /**
   * The batch as one transaction; the readings' script, when there is one, comes first. A replay's
   * items (see markReplay) are written by the same scripts under the replay keys, in the same
   * transaction, so the progress marker covers them too.
   */
  private commandsFor(batch: Batch): RedisCommand[] {
    const { keys, replayKeys } = this.options;
    const progress = this.progressCommand(batch);
    if (replayKeys === undefined || !hasReplayItems(batch)) return [...this.writesOf(batch, keys), progress];
    const [live, replay] = splitReplay(batch);
    return [...this.writesOf(live, keys), ...this.writesOf(replay, replayKeys), progress];
  }

  /** The batch as a cluster takes it: single-key writes (core/model/cluster-writes.ts), the progress marker last and apart. */
  private clusterStateFor(batch: Batch): ClusterBatchState {
    const { keys, replayKeys, bucketSeconds, deadLetterCap } = this.options;
    const now = Date.now();
    const writesOf = (items: WriteItems, schema: KeySchema) => clusterWrites(items, schema, bucketSeconds, now, deadLetterCap);
    const progress: ClusterWrite = { key: this.progressKey, command: this.progressCommand(batch), countedAgainIfRepeated: 0 };
    if (replayKeys === undefined || !hasReplayItems(batch)) return clusterBatchState(writesOf(batch, keys), progress);
    const [live, replay] = splitReplay(batch);
    return clusterBatchState([...writesOf(live, keys), ...writesOf(replay, replayKeys)], progress);
  }

  private progressCommand(batch: Batch): RedisCommand {
    return ['set', this.progressKey, formatProgress({ instanceId: this.instanceId, seq: batch.seq, sourceSeq: batch.sourceSeq }), 'EX', PROGRESS_TTL_SECONDS];
  }

  private writesOf(items: WriteItems, keys: KeySchema): RedisCommand[] {
    return [
      ...thermostatWrites(items.readings, keys),
      ...meterWrites(items.meterReadings, keys, this.options.bucketSeconds, Date.now()),
      ...topicHashWrites(items.topicHashes, keys),
      ...deadLetterWrites(items.deadLetters, countByReason(items.deadLetters), keys, this.options.deadLetterCap),
    ];
  }

  private async apply(batch: Batch): Promise<string[]> {
    if (this.clusterWriter) return this.clusterWriter.apply((batch.cluster ??= this.clusterStateFor(batch)));
    const commands = this.commandsFor(batch);
    const replies = await this.options.redis.multi(commands).exec();
    if (replies === null) throw new Error('transaction aborted');
    return refusedCommands(replies, commands);
  }

  private completed(batch: Batch, commandErrors: string[]): void {
    const { counters } = this.options;
    const now = preciseNow();
    for (const reading of batch.readings) counters.recordLatencyMs(now - reading.receivedAt);
    for (const reading of batch.meterReadings) counters.recordLatencyMs(now - reading.receivedAt);
    for (const entry of batch.topicHashes) counters.recordLatencyMs(now - entry.receivedAt);
    counters.written += batch.readings.length;
    counters.meterReadingsWritten += batch.meterReadings.length;
    counters.hashMessagesWritten += batch.topicHashes.length;
    counters.batches += 1;
    if (commandErrors.length > 0) {
      counters.writeErrors += commandErrors.length;
      this.lastError = commandErrors[0]!;
      this.options.log(`Redis refused ${commandErrors.length} command(s) of a batch: ${this.lastError}`);
    }
    this.inFlight = this.inFlight.filter((sent) => sent !== batch);
    for (const release of batch.releases) release();
    this.noteRoom();
    if (!this.recovering) this.sendMore();
  }

  /** Nothing is dropped: the batches stay in flight and are retried, transient or not, and their publishers wait. */
  private failed(error: Error): void {
    this.lastError = error.message;
    if (this.recovering) return;
    this.recovering = true;
    if (isPermanent(error)) this.noteRefusal(error);
    else this.options.log(`Redis write failed (${error.message}); holding ${this.buffered} readings and retrying`);
    this.scheduleRecovery();
  }

  /** Redis refused a whole transaction for a reason no retry fixes by itself: stop intake loudly rather than drop. */
  private noteRefusal(error: Error): void {
    const now = Date.now();
    this.refusedSince ??= now;
    if (now - this.lastRefusalLog < REFUSAL_REMINDER_MS) return;
    this.lastRefusalLog = now;
    this.options.log(
      `INTAKE STOPPED: Redis refuses every batch (${error.message}); ${this.buffered} readings are held and nothing more is acknowledged ` +
        `until Redis takes them (retrying every ${RETRY_DELAYS_MS.at(-1)! / 1000} s)`,
    );
  }

  private scheduleRecovery(): void {
    const delay = RETRY_DELAYS_MS[Math.min(this.consecutiveFailures, RETRY_DELAYS_MS.length - 1)]!;
    this.consecutiveFailures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.recover();
    }, delay);
  }

  /** Resends the unconfirmed batches one at a time, in order, skipping those Redis already applied. */
  private async recover(): Promise<void> {
    try {
      // A cluster batch knows itself which of its writes are confirmed (ClusterBatchState).
      const appliedUpTo = this.clusterWriter ? -1 : await this.lastAppliedSeq();
      for (const batch of [...this.inFlight]) {
        if (batch.seq <= appliedUpTo) {
          this.completed(batch, []);
          continue;
        }
        this.completed(batch, await this.apply(batch));
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      if (isPermanent(error as Error)) this.noteRefusal(error as Error);
      this.scheduleRecovery();
      return;
    }
    this.options.log(this.refusedSince === null ? 'Redis is back; buffered readings are being written' : 'Redis takes batches again; intake resumed');
    this.recovering = false;
    this.refusedSince = null;
    this.lastRefusalLog = 0;
    this.consecutiveFailures = 0;
    this.sendMore();
  }

  /** The sequence number of the last batch of this buffer that Redis applied, or -1. */
  private async lastAppliedSeq(): Promise<number> {
    const progress = parseProgress(await this.options.redis.get(this.progressKey));
    return progress?.instanceId === this.instanceId ? progress.seq : -1;
  }

  private notifyDrained(): void {
    const listeners = this.drainedListeners;
    this.drainedListeners = [];
    for (const listener of listeners) listener();
  }
}

interface Progress {
  /** The write buffer that wrote it: sequence numbers are its own. */
  instanceId: string;
  seq: number;
  sourceSeq: number;
}

function formatProgress({ instanceId, seq, sourceSeq }: Progress): string {
  return `${instanceId}:${seq}:${sourceSeq}`;
}

function parseProgress(value: string | null): Progress | null {
  const [instanceId, seq, sourceSeq] = (value ?? '').split(':');
  if (!instanceId || seq === undefined || sourceSeq === undefined) return null;
  return { instanceId, seq: Number(seq), sourceSeq: Number(sourceSeq) };
}

type WriteItems = Pick<QueuedBatch, 'readings' | 'meterReadings' | 'topicHashes' | 'deadLetters'>;

/** Most batches hold no replay at all: looked for before anything is split. */
function hasReplayItems({ readings, meterReadings, topicHashes, deadLetters }: WriteItems): boolean {
  const marked = (item: { replay?: boolean }) => item.replay === true;
  return readings.some(marked) || meterReadings.some(marked) || topicHashes.some(marked) || deadLetters.some(marked);
}

/** The live items and the replay's, each in the order offered. */
function splitReplay(batch: WriteItems): [live: WriteItems, replay: WriteItems] {
  const live: WriteItems = { readings: [], meterReadings: [], topicHashes: [], deadLetters: [] };
  const replay: WriteItems = { readings: [], meterReadings: [], topicHashes: [], deadLetters: [] };
  for (const reading of batch.readings) (reading.replay ? replay : live).readings.push(reading);
  for (const reading of batch.meterReadings) (reading.replay ? replay : live).meterReadings.push(reading);
  for (const entry of batch.topicHashes) (entry.replay ? replay : live).topicHashes.push(entry);
  for (const letter of batch.deadLetters) (letter.replay ? replay : live).deadLetters.push(letter);
  return [live, replay];
}

function countByReason(letters: readonly DeadLetter[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(letter.reason, (counts.get(letter.reason) ?? 0) + 1);
  return counts;
}
