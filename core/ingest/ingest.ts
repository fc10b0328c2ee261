import { Cluster, type Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { IngestCounters } from './ingest-figures.js';
import type { KeySchema } from '../model/keys.js';
import type { InboundMessage, MessageHandler, MessageSource } from '../domain/message-source.js';
import { isReplayPrefixedClient } from '../domain/replay.js';
import { snapshotOf, type IngestSnapshot } from './ingest-snapshot.js';
import { MeterDatagramListener } from './meter-datagram-listener.js';
import { meterDatagramHandler, meterMqttRule, type DatagramHandler } from './meter-rule.js';
import { perReadingMeterRules } from './per-reading-meter-rule.js';
import { perReadingRule } from './per-reading-rule.js';
import { thermostatRule } from './thermostat-rule.js';
import { jsonHashRule } from './json-hash-rule.js';
import { TopicRouter, type TopicRuleTally } from './topic-rules.js';
import { WRITING_HANDLERS, type TopicRule, type WritingHandler } from '../domain/topic-rule.js';
import { WriteBuffer, type UnwrittenReadings } from './write-buffer.js';

/** 'batched' is the product; 'per-reading' is the source documents' one-write-per-reading, kept as the benchmark's baseline. */
export type WriteStrategy = 'batched' | 'per-reading';

/** Every topic: the topic rules, not the broker's subscriptions, decide which messages ingest takes. */
export const ALL_TOPICS = '#';

/**
 * Handler i + this is handler i writing under the replay keys: a message from a replay kept apart
 * from live data (isReplayPrefixedClient) is routed by the same topic rules to the replay's twin.
 */
export const REPLAY_HANDLER_OFFSET = WRITING_HANDLERS.length;

/** The handler index for a message its topic rule sends to `handler`: the replay's twin for a prefixed replay's client. */
export function routedHandler(handler: number, clientId: string | null): number {
  return isReplayPrefixedClient(clientId) ? handler + REPLAY_HANDLER_OFFSET : handler;
}

export interface IngestOptions {
  /** In-process, ingest subscribes to it and routes by the topic rules; in the ingest worker the main thread routes and this is absent. */
  source?: MessageSource;
  /** One server, or a cluster (batched strategy only: the per-reading baseline sends a MULTI over several slots). */
  redis: Redis | Cluster;
  keys: KeySchema;
  /** Where a prefixed replay's messages are written (see REPLAY_HANDLER_OFFSET). */
  replayKeys: KeySchema;
  settings: Config['ingest'];
  energy: Config['energy'];
  /** Whether to open the meter datagram listener at energy.udpHost:udpPort. */
  listenUdp: boolean;
  log: (line: string) => void;
  strategy?: WriteStrategy;
  /** Names the write buffer's progress marker (see WriteBuffer); one per ingest worker, kept across its restarts. */
  writerId?: string;
}

/** Topic rules and the meter datagram listener feeding one write buffer: the part of the stack between devices and Redis. */
export class Ingest {
  readonly buffer: WriteBuffer;
  readonly counters = new IngestCounters();
  /** What each writing topic-rule handler does with a message, numbered as WRITING_HANDLERS, then the same for a prefixed replay. */
  readonly handlers: readonly MessageHandler[];
  readonly datagrams: DatagramHandler;
  private router: TopicRouter;
  private unsubscribers: Array<() => Promise<void>> = [];
  private latencyRotation: NodeJS.Timeout | null = null;
  private udp: MeterDatagramListener | null = null;
  private readonly strategy: WriteStrategy;

  constructor(private readonly options: IngestOptions) {
    this.strategy = options.strategy ?? 'batched';
    this.buffer = new WriteBuffer({
      redis: options.redis,
      keys: options.keys,
      replayKeys: options.replayKeys,
      counters: this.counters,
      bufferLimit: options.settings.bufferLimit,
      maxBatch: options.settings.maxBatch,
      deadLetterCap: options.settings.deadLetterCap,
      bucketSeconds: options.energy.bucketSeconds,
      log: options.log,
      writerId: options.writerId,
    });
    const { handlers, replayHandlers, datagrams } = this.buildHandlers();
    this.handlers = [...WRITING_HANDLERS.map((kind) => handlers[kind]), ...WRITING_HANDLERS.map((kind) => replayHandlers[kind])];
    this.datagrams = datagrams;
    this.router = new TopicRouter(options.settings.topicRules);
  }

  /** Where meters send datagrams, once started; null when not listening. */
  get udpUrl(): string | null {
    return this.udp?.url ?? null;
  }

  /**
   * The handlers by rule kind, live and for a prefixed replay; the per-reading strategy swaps the
   * thermostat and meter ones for the source documents' one write per reading.
   */
  private buildHandlers(): { handlers: Record<WritingHandler, MessageHandler>; replayHandlers: Record<WritingHandler, MessageHandler>; datagrams: DatagramHandler } {
    const { redis, keys, replayKeys, settings, energy, log } = this.options;
    const { buffer, counters } = this;
    const jsonHash = (replay: boolean) => jsonHashRule({ buffer, counters, maxPayloadBytes: settings.maxPayloadBytes, replay });
    if (this.strategy === 'per-reading') {
      if (redis instanceof Cluster) throw new Error('the per-reading write strategy needs a single Redis server: its MULTI spans several cluster slots');
      const perReading = (schema: KeySchema) => {
        const meters = perReadingMeterRules({
          redis,
          keys: schema,
          counters,
          maxPayloadBytes: energy.maxPayloadBytes,
          bucketSeconds: energy.bucketSeconds,
          queueLimit: settings.bufferLimit,
        });
        return { thermostat: perReadingRule(redis, schema, counters, settings.maxPayloadBytes), meters };
      };
      const live = perReading(keys);
      const replay = perReading(replayKeys);
      return {
        handlers: { thermostat: live.thermostat, meter: live.meters.mqtt, 'json-hash': jsonHash(false) },
        replayHandlers: { thermostat: replay.thermostat, meter: replay.meters.mqtt, 'json-hash': jsonHash(true) },
        datagrams: live.meters.datagram,
      };
    }
    const meterOptions = { buffer, counters, maxPayloadBytes: energy.maxPayloadBytes, log };
    const rules = (replay: boolean) => ({
      thermostat: thermostatRule({ buffer, counters, maxPayloadBytes: settings.maxPayloadBytes, replay }),
      meter: meterMqttRule({ ...meterOptions, replay }),
      'json-hash': jsonHash(replay),
    });
    return { handlers: rules(false), replayHandlers: rules(true), datagrams: meterDatagramHandler(meterOptions) };
  }

  /** Takes effect with the next message; the tally starts again. */
  setTopicRules(rules: readonly TopicRule[]): void {
    this.router = new TopicRouter(rules);
  }

  topicRules(): TopicRuleTally {
    return this.router.tally();
  }

  async start(): Promise<void> {
    const { source } = this.options;
    if (source) this.unsubscribers.push(await source.subscribe(ALL_TOPICS, (message, done) => this.route(message, done)));
    if (this.options.listenUdp) {
      const { udpHost, udpPort } = this.options.energy;
      this.udp = await MeterDatagramListener.start(udpHost, udpPort, this.datagrams, this.options.log);
    }
    this.latencyRotation = setInterval(() => this.counters.latency.rotate(), 1000);
    this.latencyRotation.unref();
  }

  private route(message: InboundMessage, done: () => void): void {
    const handler = this.router.handlerFor(message.topic);
    if (handler === null) done();
    else this.handlers[routedHandler(handler, message.clientId)]!(message, done);
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
