import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { IngestCounters } from '../figures/ingest-figures.js';
import type { KeySchema } from '../model/keys.js';
import type { MessageHandler, MessageSource } from './message-source.js';
import type { QueuedReading } from './queued-reading.js';
import { thermostatRule } from './thermostat-rule.js';
import { WriteBuffer } from './write-buffer.js';

export interface TopicRule {
  topicFilter: string;
  handler: MessageHandler;
}

/** Topic rules feeding one write buffer: the part of the stack between the broker and Redis. */
export class Ingest {
  readonly buffer: WriteBuffer;
  private unsubscribers: Array<() => Promise<void>> = [];

  constructor(
    private readonly source: MessageSource,
    redis: Redis,
    keys: KeySchema,
    private readonly settings: Config['ingest'],
    log: (line: string) => void,
    readonly counters = new IngestCounters(),
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
    return [
      {
        topicFilter: 'temp_readings',
        handler: thermostatRule({ buffer: this.buffer, counters: this.counters, maxPayloadBytes: this.settings.maxPayloadBytes }),
      },
    ];
  }

  async start(): Promise<void> {
    for (const rule of this.rules()) this.unsubscribers.push(await this.source.subscribe(rule.topicFilter, rule.handler));
  }

  /** Stops taking messages and writes what is buffered; returns the readings Redis did not take in time. */
  async stop(): Promise<QueuedReading[]> {
    await Promise.all(this.unsubscribers.map((unsubscribe) => unsubscribe()));
    this.unsubscribers = [];
    return this.buffer.drain(this.settings.shutdownFlushMs);
  }
}
