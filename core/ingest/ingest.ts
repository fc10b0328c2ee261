import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { IngestCounters } from '../figures/ingest-figures.js';
import type { KeySchema } from '../model/keys.js';
import type { MessageHandler, MessageSource } from './message-source.js';
import type { QueuedReading } from './queued-reading.js';
import { snapshotOf, type IngestSnapshot } from './ingest-snapshot.js';
import { perReadingRule } from './per-reading-rule.js';
import { THERMOSTAT_TOPIC, thermostatRule } from './thermostat-rule.js';
import { WriteBuffer } from './write-buffer.js';

export interface TopicRule {
  topicFilter: string;
  handler: MessageHandler;
}

/** Topic filters of the rules, in the order rules() returns them (the ingest worker numbers them so). */
export const TOPIC_FILTERS = [THERMOSTAT_TOPIC];

/** 'batched' is the product; 'per-reading' is the source document's Lambda, kept as the benchmark's baseline. */
export type WriteStrategy = 'batched' | 'per-reading';

/** Topic rules feeding one write buffer: the part of the stack between the broker and Redis. */
export class Ingest {
  readonly buffer: WriteBuffer;
  private unsubscribers: Array<() => Promise<void>> = [];
  private latencyRotation: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: MessageSource,
    private readonly redis: Redis,
    private readonly keys: KeySchema,
    private readonly settings: Config['ingest'],
    log: (line: string) => void,
    readonly counters = new IngestCounters(),
    private readonly strategy: WriteStrategy = 'batched',
  ) {
    this.buffer = new WriteBuffer({
      redis,
      keys,
      counters: this.counters,
      bufferLimit: settings.bufferLimit,
      maxBatch: settings.maxBatch,
      deadLetterCap: settings.deadLetterCap,
      log,
    });
  }

  rules(): TopicRule[] {
    const thermostats =
      this.strategy === 'batched'
        ? thermostatRule({ buffer: this.buffer, counters: this.counters, maxPayloadBytes: this.settings.maxPayloadBytes })
        : perReadingRule(this.redis, this.keys, this.counters, this.settings.maxPayloadBytes);
    return [{ topicFilter: THERMOSTAT_TOPIC, handler: thermostats }];
  }

  async start(): Promise<void> {
    for (const rule of this.rules()) this.unsubscribers.push(await this.source.subscribe(rule.topicFilter, rule.handler));
    this.latencyRotation = setInterval(() => this.counters.latency.rotate(), 1000);
    this.latencyRotation.unref();
  }

  snapshot(): IngestSnapshot {
    return snapshotOf(this.counters, this.buffer);
  }

  /** Stops taking messages and writes what is buffered; returns the readings Redis did not take in time. */
  async stop(): Promise<QueuedReading[]> {
    await Promise.all(this.unsubscribers.map((unsubscribe) => unsubscribe()));
    this.unsubscribers = [];
    if (this.latencyRotation) clearInterval(this.latencyRotation);
    return this.buffer.drain(this.settings.shutdownFlushMs);
  }
}
