import type { Redis } from 'ioredis';
import type { IngestCounters } from './ingest-figures.js';
import { preciseNow } from '../domain/clock.js';
import type { InboundMessage, MessageHandler } from '../domain/message-source.js';
import { RequestIds } from './request-ids.js';
import { parseThermostatPayload } from './thermostat-payload.js';
import { classifyClimate } from '../model/climate.js';
import type { KeySchema } from '../model/keys.js';
import { warningMessage } from '../model/thermostat-persist.js';

/**
 * The source document's Lambda as an ingest rule: for every reading, one MULTI of INCR + ZADD +
 * HSET (+ PUBLISH to Warnings when hot), awaited before the next reading is written. The benchmark's baseline: same validation as
 * the batched rule, so only the write strategy differs.
 */
export function perReadingRule(redis: Redis, keys: KeySchema, counters: IngestCounters, maxPayloadBytes: number): MessageHandler {
  const requestIds = new RequestIds();
  const queue: Array<{ message: InboundMessage; done: () => void }> = [];
  let writing = false;

  async function persist(message: InboundMessage): Promise<void> {
    const parsed = parseThermostatPayload(message.payload, maxPayloadBytes);
    if (!parsed.ok) {
      counters.countRejected(parsed.rejection.reason);
      return;
    }
    const reading = parsed.value;
    const climate = classifyClimate(reading.temperature);
    const timestamp = reading.timestamp ?? Date.now();
    const requestId = requestIds.next();
    const transaction = redis
      .multi()
      .incr(keys.climateCounter(climate))
      .zadd(keys.sensorData, timestamp, reading.deviceId)
      .hset(keys.deviceHash(reading.deviceId), {
        temperature: reading.temperature,
        deviceIP: reading.deviceIP,
        humidity: reading.humidity,
        climate,
        timestamp,
        requestId,
      });
    if (climate === 'hot') {
      const persisted = { ...reading, deviceId: String(reading.deviceId), climate, timestamp, requestId };
      transaction.publish(keys.warningsChannel, warningMessage(persisted));
    }
    await transaction.exec();
    counters.written += 1;
    counters.recordLatencyMs(preciseNow() - message.receivedAt);
  }

  async function writeInOrder(): Promise<void> {
    writing = true;
    for (let next = queue.shift(); next; next = queue.shift()) {
      await persist(next.message).catch(() => (counters.dropped += 1));
      next.done();
    }
    writing = false;
  }

  return (message, done) => {
    counters.received += 1;
    queue.push({ message, done });
    if (!writing) void writeInOrder();
  };
}
