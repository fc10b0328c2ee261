import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { IngestCounters } from '../figures/ingest-figures.js';
import type { KeySchema } from '../model/keys.js';
import type { MessageHandler, MessageSource } from './message-source.js';
import { snapshotOf, type IngestSnapshot } from './ingest-snapshot.js';
import { MeterDatagramListener } from './meter-datagram-listener.js';
import { METER_TOPIC_FILTER } from './meter-payload.js';
import { meterDatagramHandler, meterMqttRule, type DatagramHandler } from './meter-rule.js';
import { perReadingMeterRules } from './per-reading-meter-rule.js';
import { perReadingRule } from './per-reading-rule.js';
import { THERMOSTAT_TOPIC, thermostatRule } from './thermostat-rule.js';
import { WriteBuffer, type UnwrittenReadings } from './write-buffer.js';

export interface TopicRule {
  topicFilter: string;
  handler: MessageHandler;
}

/** Topic filters of the rules, in the order rules() returns them (the ingest worker numbers them so). */
export const TOPIC_FILTERS = [THERMOSTAT_TOPIC, METER_TOPIC_FILTER];

/** 'batched' is the product; 'per-reading' is the source documents' one-write-per-reading, kept as the benchmark's baseline. */
export type WriteStrategy = 'batched' | 'per-reading';

export interface IngestOptions {
  source: MessageSource;
  redis: Redis;
  keys: KeySchema;
  settings: Config['ingest'];
  energy: Config['energy'];
  /** Whether to open the meter datagram listener at energy.udpHost:udpPort. */
  listenUdp: boolean;
  log: (line: string) => void;
  strategy?: WriteStrategy;
}

/** Topic rules and the meter datagram listener feeding one write buffer: the part of the stack between devices and Redis. */
export class Ingest {
  readonly buffer: WriteBuffer;
  readonly counters = new IngestCounters();
  private unsubscribers: Array<() => Promise<void>> = [];
  private latencyRotation: NodeJS.Timeout | null = null;
  private udp: MeterDatagramListener | null = null;
  private readonly strategy: WriteStrategy;

  constructor(private readonly options: IngestOptions) {
    this.strategy = options.strategy ?? 'batched';
    this.buffer = new WriteBuffer({
      redis: options.redis,
      keys: options.keys,
      counters: this.counters,
      bufferLimit: options.settings.bufferLimit,
      maxBatch: options.settings.maxBatch,
      deadLetterCap: options.settings.deadLetterCap,
      bucketSeconds: options.energy.bucketSeconds,
      log: options.log,
    });
  }

  /** Where meters send datagrams, once started; null when not listening. */
  get udpUrl(): string | null {
    return this.udp?.url ?? null;
  }

  rules(): { topics: TopicRule[]; datagrams: DatagramHandler } {
    const { redis, keys, settings, energy, log } = this.options;
    const counters = this.counters;
    if (this.strategy === 'per-reading') {
      const meters = perReadingMeterRules({
        redis,
        keys,
        counters,
        maxPayloadBytes: energy.maxPayloadBytes,
        bucketSeconds: energy.bucketSeconds,
        queueLimit: settings.bufferLimit,
      });
      return {
        topics: [
          { topicFilter: THERMOSTAT_TOPIC, handler: perReadingRule(redis, keys, counters, settings.maxPayloadBytes) },
          { topicFilter: METER_TOPIC_FILTER, handler: meters.mqtt },
        ],
        datagrams: meters.datagram,
      };
    }
    const buffer = this.buffer;
    const meterOptions = { buffer, counters, maxPayloadBytes: energy.maxPayloadBytes, log };
    return {
      topics: [
        { topicFilter: THERMOSTAT_TOPIC, handler: thermostatRule({ buffer, counters, maxPayloadBytes: settings.maxPayloadBytes }) },
        { topicFilter: METER_TOPIC_FILTER, handler: meterMqttRule(meterOptions) },
      ],
      datagrams: meterDatagramHandler(meterOptions),
    };
  }

  async start(): Promise<void> {
    const { topics, datagrams } = this.rules();
    for (const rule of topics) this.unsubscribers.push(await this.options.source.subscribe(rule.topicFilter, rule.handler));
    if (this.options.listenUdp) {
      const { udpHost, udpPort } = this.options.energy;
      this.udp = await MeterDatagramListener.start(udpHost, udpPort, datagrams, this.options.log);
    }
    this.latencyRotation = setInterval(() => this.counters.latency.rotate(), 1000);
    this.latencyRotation.unref();
  }

  snapshot(): IngestSnapshot {
    return snapshotOf(this.counters, this.buffer);
  }

  /** Stops taking messages and datagrams and writes what is buffered; returns the readings Redis did not take in time. */
  async stop(): Promise<UnwrittenReadings> {
    await Promise.all(this.unsubscribers.map((unsubscribe) => unsubscribe()));
    this.unsubscribers = [];
    await this.udp?.close();
    this.udp = null;
    if (this.latencyRotation) clearInterval(this.latencyRotation);
    return this.buffer.drain(this.options.settings.shutdownFlushMs);
  }
}
