import type { Redis } from 'ioredis';
import type { IngestCounters } from './ingest-figures.js';
import { preciseNow } from '../domain/clock.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import type { KeySchema } from '../model/keys.js';
import type { MeterTransport } from '../model/meter-reading.js';
import type { ParseResult } from './json-payload.js';
import type { MessageHandler } from '../domain/message-source.js';
import { parseMeterDatagram, parseMeterMqttPayload, type MeterPayload } from './meter-payload.js';
import type { DatagramHandler } from './meter-rule.js';

export interface PerReadingMeterRuleOptions {
  redis: Redis;
  keys: KeySchema;
  counters: IngestCounters;
  maxPayloadBytes: number;
  bucketSeconds: number;
  /** Datagrams are dropped while this many readings wait, as the batched path drops them when its buffer is full. */
  queueLimit: number;
}

/**
 * The energy path written the straightforward way: per reading one MULTI (RPUSH to its bucket,
 * SADD pending, the device hash and indexes), awaited before the next. The benchmark's baseline:
 * same parsing and validation as the batched rules, so only the write strategy differs.
 */
export function perReadingMeterRules({ redis, keys, counters, maxPayloadBytes, bucketSeconds, queueLimit }: PerReadingMeterRuleOptions): {
  mqtt: MessageHandler;
  datagram: DatagramHandler;
} {
  const queue: Array<{ parsed: ParseResult<MeterPayload>; transport: MeterTransport; receivedAt: number; done: () => void }> = [];
  let writing = false;
  let queuedReadings = 0;

  async function persist(payload: MeterPayload, transport: MeterTransport, receivedAt: number): Promise<void> {
    for (const [index, reading] of payload.readings.entries()) {
      const bucketStart = bucketStartOf(reading.timestamp, bucketSeconds);
      const list = keys.energyBucket(payload.deviceId, bucketStart);
      const deviceKey = keys.meterDevice(payload.deviceId);
      const now = Date.now();
      await redis
        .multi()
        .rpush(list, payload.texts[index]!)
        .sadd(keys.energyPending, list)
        .hset(deviceKey, 'kind', 'meter', 'lastSeen', now, 'transport', transport)
        .hsetnx(deviceKey, 'firstSeen', now)
        .hincrby(deviceKey, 'readings', 1)
        .zadd(keys.meterBuckets(payload.deviceId), bucketStart, bucketStart)
        .zadd(keys.meters, now, payload.deviceId)
        .exec();
      counters.meterReadingsWritten += 1;
      counters.recordLatencyMs(preciseNow() - receivedAt);
    }
  }

  async function writeInOrder(): Promise<void> {
    writing = true;
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (next.parsed.ok) {
        queuedReadings -= next.parsed.value.readings.length;
        await persist(next.parsed.value, next.transport, next.receivedAt).catch(() => (counters.dropped += 1));
      } else {
        counters.meterPayloadsRejected += 1;
        counters.countRejected(next.parsed.rejection.reason);
      }
      next.done();
    }
    writing = false;
  }

  function enqueue(parsed: ParseResult<MeterPayload>, transport: MeterTransport, receivedAt: number, done: () => void): void {
    if (parsed.ok) {
      counters.meterReadingsReceived += parsed.value.readings.length;
      queuedReadings += parsed.value.readings.length;
    }
    queue.push({ parsed, transport, receivedAt, done });
    if (!writing) void writeInOrder();
  }

  return {
    mqtt: (message, done) => enqueue(parseMeterMqttPayload(message.topic, message.payload, maxPayloadBytes), 'mqtt', message.receivedAt, done),
    datagram: (datagram) => {
      if (queuedReadings >= queueLimit) {
        counters.meterDatagramsDropped += 1;
        return;
      }
      enqueue(parseMeterDatagram(datagram, maxPayloadBytes), 'udp', preciseNow(), () => undefined);
    },
  };
}
