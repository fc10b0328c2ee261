import { randomBytes } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import type { IngestCounters } from './ingest-figures.js';
import { preciseNow } from '../domain/clock.js';
import { deadLetterWrites, type DeadLetter } from '../model/dead-letter-persist.js';
import type { KeySchema } from '../model/keys.js';
import { meterWrites } from '../model/meter-persist.js';
import type { MeterReading } from '../model/meter-reading.js';
import type { RedisCommand } from '../model/redis-command.js';
import { thermostatWrites } from '../model/thermostat-persist.js';
import { topicHashWrites, type TopicHashEntry } from '../model/topic-hash-persist.js';
import type { QueuedReading } from './queued-reading.js';

export interface WriteBufferOptions {
  redis: Redis;
  keys: KeySchema;
  counters: IngestCounters;
  /** Readings held in memory before publishers are made to wait. */
  bufferLimit: number;
  maxBatch: number;
  deadLetterCap: number;
  /** Length of one energy bucket, which decides the list a meter reading goes to. */
  bucketSeconds: number;
  log: (line: string) => void;
}

/** What Redis had not taken when a drain gave up. */
export interface UnwrittenReadings {
  thermostats: QueuedReading[];
  meters: MeterReading[];
  topicHashes: TopicHashEntry[];
}

/** A drain that left nothing behind. Frozen: it is shared. */
export const NOTHING_UNWRITTEN: UnwrittenReadings = Object.freeze({ thermostats: [], meters: [], topicHashes: [] });

interface Batch {
  seq: number;
  id: string;
  readings: QueuedReading[];
  meterReadings: MeterReading[];
  topicHashes: TopicHashEntry[];
  deadLetters: DeadLetter[];
  rejectedCounts: Map<string, number>;
}

/** Redis error replies that mean "not now" rather than "never": the batch is kept and retried. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

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

const RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000];

/** Two, so that encoding the next batch overlaps Redis applying the previous one. */
const MAX_IN_FLIGHT = 2;

/**
 * Holds accepted readings and dead letters until Redis has them. Up to two transactions are in
 * flight on the one connection, so the next batch is encoded while Redis applies the previous one;
 * whatever arrives meanwhile forms the next batch, so batches grow with load. Redis applies them
 * in order. After a failure the unconfirmed batches are retried in order until Redis answers;
 * each batch records its sequence number in the same transaction, so a batch whose reply was lost
 * is recognised as applied instead of being counted twice.
 */
export class WriteBuffer {
  private readings: QueuedReading[] = [];
  private meterReadings: MeterReading[] = [];
  private topicHashes: TopicHashEntry[] = [];
  private deadLetters: DeadLetter[] = [];
  private rejectedCounts = new Map<string, number>();
  private waiting: Array<() => void> = [];
  /** Sent and not yet confirmed, oldest first. */
  private inFlight: Batch[] = [];
  private recovering = false;
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  private fullSince: number | null = null;
  private batchSeq = 0;
  private readonly instanceId = randomBytes(6).toString('hex');
  private drainedListeners: Array<() => void> = [];
  lastError: string | null = null;

  constructor(private readonly options: WriteBufferOptions) {}

  get buffered(): number {
    let count = this.readings.length + this.meterReadings.length + this.topicHashes.length;
    for (const batch of this.inFlight) count += batch.readings.length + batch.meterReadings.length + batch.topicHashes.length;
    return count;
  }

  get hasRoom(): boolean {
    return this.buffered < this.options.bufferLimit;
  }

  get waitingPublishers(): number {
    return this.waiting.length;
  }

  get isFull(): boolean {
    return this.fullSince !== null;
  }

  /**
   * Takes the reading now; `release` is called at once while there is room, or later when there is,
   * which holds back the publisher's socket (TCP backpressure) instead of dropping anything.
   */
  offerReading(reading: QueuedReading, release: () => void): void {
    this.readings.push(reading);
    if (this.hasRoom) release();
    else this.holdPublisher(release);
    this.scheduleFlush();
  }

  /** Like offerReading, for the readings of one meter payload; `release` null: the sender cannot be held (UDP). */
  offerMeterReadings(readings: readonly MeterReading[], release: (() => void) | null): void {
    for (const reading of readings) this.meterReadings.push(reading);
    if (release) {
      if (this.hasRoom) release();
      else this.holdPublisher(release);
    }
    this.scheduleFlush();
  }

  /** Like offerReading, for a message a json-hash topic rule stores. */
  offerTopicHash(entry: TopicHashEntry, release: () => void): void {
    this.topicHashes.push(entry);
    if (this.hasRoom) release();
    else this.holdPublisher(release);
    this.scheduleFlush();
  }

  offerDeadLetter(letter: DeadLetter): void {
    this.rejectedCounts.set(letter.reason, (this.rejectedCounts.get(letter.reason) ?? 0) + 1);
    this.deadLetters.push(letter);
    if (this.deadLetters.length > this.options.deadLetterCap) this.deadLetters.shift();
    this.scheduleFlush();
  }

  /** Resolves once everything offered so far is in Redis, or with what is left after timeoutMs. */
  async drain(timeoutMs: number): Promise<UnwrittenReadings> {
    if (this.isEmpty()) return NOTHING_UNWRITTEN;
    const drained = new Promise<void>((resolve) => this.drainedListeners.push(resolve));
    const timedOut = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([drained, timedOut]);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    return {
      thermostats: [...this.inFlight.flatMap((batch) => batch.readings), ...this.readings],
      meters: [...this.inFlight.flatMap((batch) => batch.meterReadings), ...this.meterReadings],
      topicHashes: [...this.inFlight.flatMap((batch) => batch.topicHashes), ...this.topicHashes],
    };
  }

  private isEmpty(): boolean {
    return this.inFlight.length === 0 && !this.hasUnsent();
  }

  private hasUnsent(): boolean {
    return this.readings.length > 0 || this.meterReadings.length > 0 || this.topicHashes.length > 0 || this.deadLetters.length > 0 || this.rejectedCounts.size > 0;
  }

  private holdPublisher(release: () => void): void {
    this.waiting.push(release);
    if (this.fullSince !== null) return;
    this.fullSince = Date.now();
    this.options.log(
      `ingest buffer FULL: ${this.buffered} readings held (limit ${this.options.bufferLimit}); publishers are being slowed down until Redis catches up` +
        (this.lastError ? ` (last Redis error: ${this.lastError})` : ''),
    );
  }

  private releasePublishers(): void {
    while (this.waiting.length > 0 && this.hasRoom) this.waiting.shift()!();
    if (this.fullSince === null || this.waiting.length > 0) return;
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
    while (!this.recovering && this.inFlight.length < MAX_IN_FLIGHT && this.hasUnsent()) {
      const batch = this.takeBatch();
      this.inFlight.push(batch);
      void this.send(batch);
    }
    if (this.isEmpty()) this.notifyDrained();
  }

  private takeBatch(): Batch {
    const seq = this.batchSeq++;
    const batch: Batch = {
      seq,
      id: `${this.instanceId}:${seq}`,
      readings: this.readings.splice(0, this.options.maxBatch),
      meterReadings: this.meterReadings.splice(0, this.options.maxBatch),
      topicHashes: this.topicHashes.splice(0, this.options.maxBatch),
      deadLetters: this.deadLetters,
      rejectedCounts: this.rejectedCounts,
    };
    this.deadLetters = [];
    this.rejectedCounts = new Map();
    return batch;
  }

  private async send(batch: Batch): Promise<void> {
    try {
      this.completed(batch, await this.apply(batch));
    } catch (error) {
      this.failed(batch, error as Error);
    }
  }

  /** The batch as one transaction; the readings' script, when there is one, comes first. */
  private commandsFor(batch: Batch): RedisCommand[] {
    const { keys, deadLetterCap } = this.options;
    return [
      ...thermostatWrites(batch.readings, keys),
      ...meterWrites(batch.meterReadings, keys, this.options.bucketSeconds, Date.now()),
      ...topicHashWrites(batch.topicHashes, keys),
      ...deadLetterWrites(batch.deadLetters, batch.rejectedCounts, keys, deadLetterCap),
      ['set', keys.lastAppliedBatch, batch.id],
    ];
  }

  private async apply(batch: Batch): Promise<string[]> {
    const commands = this.commandsFor(batch);
    const replies = await this.options.redis.multi(commands).exec();
    if (replies === null) throw new Error('transaction aborted');
    return refusedCommands(replies, commands);
  }

  private completed(batch: Batch, commandErrors: string[]): void {
    const { counters } = this.options;
    const now = preciseNow();
    for (const reading of batch.readings) counters.latency.recordMs(now - reading.receivedAt);
    for (const reading of batch.meterReadings) counters.latency.recordMs(now - reading.receivedAt);
    for (const entry of batch.topicHashes) counters.latency.recordMs(now - entry.receivedAt);
    counters.written += batch.readings.length;
    counters.meterReadingsWritten += batch.meterReadings.length;
    counters.hashMessagesWritten += batch.topicHashes.length;
    counters.batches += 1;
    if (commandErrors.length > 0) {
      counters.writeErrors += commandErrors.length;
      this.lastError = commandErrors[0]!;
      this.options.log(`Redis refused ${commandErrors.length} command(s) of a batch: ${this.lastError}`);
    }
    this.settle(batch);
  }

  private failed(batch: Batch, error: Error): void {
    if (isPermanent(error)) {
      this.dropped(batch, error);
      return;
    }
    this.lastError = error.message;
    if (this.recovering) return;
    this.recovering = true;
    this.options.log(`Redis write failed (${error.message}); holding ${this.buffered} readings and retrying`);
    this.scheduleRecovery();
  }

  /** Redis refused the whole transaction for a reason a retry cannot fix: say so, and move on. */
  private dropped(batch: Batch, error: Error): void {
    const count = batch.readings.length + batch.meterReadings.length + batch.topicHashes.length;
    this.options.counters.dropped += count;
    this.lastError = error.message;
    this.options.log(`DROPPED ${count} readings: Redis refused their batch (${error.message})`);
    this.settle(batch);
  }

  private settle(batch: Batch): void {
    this.inFlight = this.inFlight.filter((sent) => sent !== batch);
    this.releasePublishers();
    if (!this.recovering) this.sendMore();
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
      const appliedUpTo = await this.lastAppliedSeq();
      for (const batch of [...this.inFlight]) {
        if (batch.seq <= appliedUpTo) {
          this.completed(batch, []);
          continue;
        }
        this.completed(batch, await this.apply(batch));
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      this.scheduleRecovery();
      return;
    }
    this.options.log(`Redis is back; buffered readings are being written`);
    this.recovering = false;
    this.consecutiveFailures = 0;
    this.sendMore();
  }

  /** The sequence number of the last batch of this buffer that Redis applied, or -1. */
  private async lastAppliedSeq(): Promise<number> {
    const marker = await this.options.redis.get(this.options.keys.lastAppliedBatch);
    const [instance, seq] = (marker ?? '').split(':');
    return instance === this.instanceId ? Number(seq) : -1;
  }

  private notifyDrained(): void {
    const listeners = this.drainedListeners;
    this.drainedListeners = [];
    for (const listener of listeners) listener();
  }
}
