import type { Redis } from 'ioredis';
import type { IngestCounters } from '../figures/ingest-figures.js';
import type { MessageHandler } from '../ingest/message-source.js';
import { RequestIds } from '../ingest/request-ids.js';
import { parseThermostatPayload } from '../ingest/thermostat-payload.js';
import { classifyClimate } from '../model/climate.js';
import type { KeySchema } from '../model/keys.js';

/**
 * The source document's Lambda as an ingest rule: for every reading, one MULTI of INCR + ZADD +
 * HSET, awaited before the next reading is taken. Same validation as ingest, so only the write
 * strategy differs between the two sides of the benchmark.
 */
export function perReadingBaseline(redis: Redis, keys: KeySchema, counters: IngestCounters): MessageHandler {
  const requestIds = new RequestIds();
  return (message, done) => {
    const receivedAt = performance.now();
    counters.received += 1;
    const parsed = parseThermostatPayload(message.payload, 4096);
    if (!parsed.ok) {
      counters.countRejected(parsed.rejection.reason);
      done();
      return;
    }
    const reading = parsed.value;
    const climate = classifyClimate(reading.temperature);
    const timestamp = Date.now();
    redis
      .multi()
      .incr(keys.climateCounter(climate))
      .zadd(keys.sensorData, timestamp, reading.deviceId)
      .hset(keys.deviceHash(reading.deviceId), {
        temperature: reading.temperature,
        deviceIP: reading.deviceIP,
        humidity: reading.humidity,
        climate,
        timestamp,
        requestId: requestIds.next(),
      })
      .exec()
      .then(() => {
        counters.written += 1;
        counters.latency.recordMs(performance.now() - receivedAt);
      })
      .catch(() => {
        counters.dropped += 1;
      })
      .finally(done);
  };
}
