import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_PAYLOAD_CHARS } from '../../../core/model/dead-letter-persist.js';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const TOPIC = 'temp_readings';

let server: TestRedis;
let redis: Redis;
let pipeline: IngestPipeline;
let publisher: MqttClient;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  pipeline = await startIngestPipeline(server.url);
  publisher = await connectPublisher(pipeline.broker.url);
});

afterAll(async () => {
  await publisher?.endAsync(true);
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
});

interface DeadLetterEntry {
  reason: string;
  detail: string;
  topic: string;
  payload: string;
  payloadBytes: number;
  at: number;
}

describe('bad input on temp_readings', () => {
  const tooLarge = JSON.stringify({ ...devicePayload({ deviceId: 9005 }), note: 'x'.repeat(5000) });
  const bad = [
    { reason: 'not-json', deviceId: '9001', payload: '{"deviceId": 9001, "temperature": ' },
    { reason: 'missing-field', deviceId: '9002', payload: JSON.stringify({ deviceId: 9002, humidity: 40, deviceIP: '10.0.0.2' }) },
    { reason: 'wrong-type', deviceId: '9003', payload: JSON.stringify(devicePayload({ deviceId: 9003, temperature: 'hot' as unknown as number })) },
    { reason: 'out-of-range', deviceId: '9004', payload: JSON.stringify(devicePayload({ deviceId: 9004, humidity: 150 })) },
    { reason: 'too-large', deviceId: '9005', payload: tooLarge },
  ];

  it('is not persisted, is counted by reason, lands in the dead-letter list, and good readings still flow', async () => {
    const before = devicePayload({ deviceId: 'good-before', temperature: 90 });
    const after = devicePayload({ deviceId: 'good-after', temperature: 60 });
    await publishAll(publisher, TOPIC, [before, ...bad.map((b) => b.payload), after]);

    await waitUntil('both good readings written', () => pipeline.ingest.counters.written >= 2);
    const letters = await waitUntil('five dead letters', async () => {
      const raw = await redis.lrange(pipeline.keys.deadLetters, 0, -1);
      return raw.length >= bad.length ? raw.map((entry) => JSON.parse(entry) as DeadLetterEntry) : null;
    });

    // Not persisted: no hash, no SensorData member, no climate count for any bad payload.
    for (const { deviceId } of bad) {
      expect(await redis.exists(deviceId), `hash of ${deviceId}`).toBe(0);
      expect(await redis.zscore('SensorData', deviceId)).toBeNull();
    }
    expect((await redis.zrange('SensorData', 0, -1)).sort()).toEqual(['good-after', 'good-before']);
    expect(await climateCounters(redis)).toMatchObject({ hot: 1, cold: 1, total: 2 });

    // Counted by reason, in the live figures and in Redis.
    const { counters } = pipeline.ingest;
    expect(counters.rejected).toBe(bad.length);
    for (const reason of ['not-json', 'missing-field', 'wrong-type', 'out-of-range', 'too-large'] as const) {
      expect(counters.rejectedByReason[reason], reason).toBe(1);
    }
    expect(counters.received).toBe(bad.length + 2);
    expect(await redis.hgetall(pipeline.keys.rejectedCounts)).toEqual({
      'not-json': '1',
      'missing-field': '1',
      'wrong-type': '1',
      'out-of-range': '1',
      'too-large': '1',
    });

    // The dead-letter list: newest first, each with its reason and the (truncated) payload.
    expect(letters.map((l) => l.reason)).toEqual(bad.map((b) => b.reason).reverse());
    for (const letter of letters) {
      const sent = bad.find((b) => b.reason === letter.reason)!;
      expect(letter.topic).toBe(TOPIC);
      expect(letter.detail).toMatch(/\S/);
      expect(letter.payloadBytes).toBe(Buffer.byteLength(sent.payload));
      expect(letter.payload).toBe(sent.payload.slice(0, DEAD_LETTER_PAYLOAD_CHARS));
    }
    const large = letters.find((l) => l.reason === 'too-large')!;
    expect(large.payload.length).toBe(DEAD_LETTER_PAYLOAD_CHARS);
    expect(large.payloadBytes).toBeGreaterThan(5000);
    expect(letters.find((l) => l.reason === 'missing-field')!.detail).toContain('temperature');

    // The broker keeps serving after all of that: a fresh client's reading lands too.
    const late = await connectPublisher(pipeline.broker.url);
    try {
      await publishAll(late, TOPIC, [devicePayload({ deviceId: 'good-late', temperature: 80 })]);
      await waitUntil('the late reading', async () => (await redis.hget('good-late', 'climate')) === 'warm');
    } finally {
      await late.endAsync(true);
    }
  });

  it('keeps only the latest dead letters, up to the cap', async () => {
    await redis.flushall();
    const capped = await startIngestPipeline(server.url, { deadLetterCap: 3 });
    const client = await connectPublisher(capped.broker.url);
    try {
      await publishAll(client, TOPIC, ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5']);
      await waitUntil('all five counted in Redis', async () => (await redis.hget(capped.keys.rejectedCounts, 'not-json')) === '5');
      const letters = (await redis.lrange(capped.keys.deadLetters, 0, -1)).map((entry) => (JSON.parse(entry) as DeadLetterEntry).payload);
      expect(letters).toEqual(['bad-5', 'bad-4', 'bad-3']);
    } finally {
      await client.endAsync(true);
      await capped.stop();
    }
  });
});
