import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyClimate } from '../../../core/model/climate.js';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const TOPIC = 'temp_readings';
const SIX_FIELDS = ['climate', 'deviceIP', 'humidity', 'requestId', 'temperature', 'timestamp'];

let server: TestRedis;
let redis: Redis;
let pipeline: IngestPipeline;
let publisher: MqttClient;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
  pipeline = await startIngestPipeline(server.url);
  publisher = await connectPublisher(pipeline.broker.url);
});

afterEach(async () => {
  await publisher?.endAsync(true);
  await pipeline?.stop();
});

const written = (n: number) => waitUntil(`ingest to write ${n} readings`, () => pipeline.ingest.counters.written >= n);

describe('broker → ingest → Redis (real aedes, mqtt.js, redis-server)', () => {
  it('stores each reading in SensorData, its device hash and the climate counters, which add up to the accepted readings', async () => {
    const clock = 1_750_000_000_000;
    const temperatures = [1, 30, 65, 65.1, 70, 75, 76, 80, 85, 86, 100, 110];
    const readings = temperatures.map((temperature, i) => devicePayload({ deviceId: 100 + i, temperature, humidity: i * 8, timestamp: clock + i }));
    const sent = Date.now();
    const unstamped = devicePayload({ deviceId: 'thermo-no-clock', temperature: 50 });
    await publishAll(publisher, TOPIC, [...readings, unstamped]);
    await written(readings.length + 1);

    for (const reading of readings) {
      const id = String(reading.deviceId);
      expect(Number(await redis.zscore('SensorData', id))).toBe(reading.timestamp);
      const hash = await redis.hgetall(id);
      expect(Object.keys(hash).sort()).toEqual(SIX_FIELDS);
      expect(hash).toMatchObject({
        temperature: String(reading.temperature),
        humidity: String(reading.humidity),
        deviceIP: reading.deviceIP,
        climate: classifyClimate(reading.temperature),
        timestamp: String(reading.timestamp),
      });
      expect(hash.requestId).toMatch(/\S/);
    }
    // A reading without the device's clock is stamped on arrival, in ms.
    const score = Number(await redis.zscore('SensorData', 'thermo-no-clock'));
    expect(score).toBeGreaterThanOrEqual(sent - 1000);
    expect(score).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await redis.hget('thermo-no-clock', 'timestamp')).toBe(String(score));

    const requestIds = await Promise.all([...readings, unstamped].map((r) => redis.hget(String(r.deviceId), 'requestId')));
    expect(new Set(requestIds).size).toBe(requestIds.length);

    expect(await redis.zcard('SensorData')).toBe(readings.length + 1);
    expect(await climateCounters(redis)).toEqual({ cold: 4, cool: 3, warm: 3, hot: 3, total: readings.length + 1 });
    expect(pipeline.ingest.counters).toMatchObject({ received: 13, written: 13, rejected: 0, dropped: 0 });
  });

  it('keeps the latest reading per device and counts every reading, for many readings of few devices', async () => {
    const readings = Array.from({ length: 300 }, (_, i) => devicePayload({ deviceId: (i % 5) + 1, temperature: 1 + ((i * 37) % 110), timestamp: 1_750_000_000_000 + i }));
    await publishAll(publisher, TOPIC, readings);
    await written(readings.length);

    const counters = await climateCounters(redis);
    expect(counters.total).toBe(readings.length);
    expect(counters.hot).toBe(readings.filter((r) => r.temperature > 85).length);
    expect(await redis.zcard('SensorData')).toBe(5);
    for (const last of readings.slice(-5)) {
      expect(await redis.hgetall(String(last.deviceId))).toMatchObject({ temperature: String(last.temperature), timestamp: String(last.timestamp), deviceIP: last.deviceIP });
      expect(Number(await redis.zscore('SensorData', String(last.deviceId)))).toBe(last.timestamp);
    }
  });

  it('publishes a JSON warning on the Warnings channel for a hot reading, and none for others', async () => {
    const subscriber = redisClient(server.url);
    try {
      const messages: string[] = [];
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === 'Warnings') messages.push(message);
      });
      await subscriber.subscribe('Warnings');
      await publishAll(publisher, TOPIC, [
        devicePayload({ deviceId: 501, temperature: 85 }),
        devicePayload({ deviceId: 502, temperature: 97.5, timestamp: 1_750_000_000_123 }),
        devicePayload({ deviceId: 503, temperature: 20 }),
      ]);
      await written(3);
      await waitUntil('a warning', () => messages.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 100)); // room for a wrong extra warning to show up
      expect(messages).toHaveLength(1);
      expect(JSON.parse(messages[0]!)).toEqual({
        deviceId: '502',
        temperature: 97.5,
        timestamp: 1_750_000_000_123,
        requestId: await redis.hget('502', 'requestId'),
      });
    } finally {
      subscriber.disconnect();
    }
  });

  it("does not lose other devices' readings when one device id names an existing non-hash key (a shared Redis)", async () => {
    await redis.set('777', 'someone else\'s string');
    const readings = [
      devicePayload({ deviceId: 776, temperature: 90 }),
      devicePayload({ deviceId: 777, temperature: 70 }),
      devicePayload({ deviceId: 778, temperature: 80 }),
    ];
    await publishAll(publisher, TOPIC, readings);
    await waitUntil('ingest to settle', () => pipeline.ingest.counters.received === 3 && pipeline.ingest.buffer.buffered === 0);

    expect(await redis.get('777')).toBe("someone else's string");
    for (const reading of [readings[0]!, readings[2]!]) {
      expect(await redis.hget(String(reading.deviceId), 'deviceIP'), `hash of ${reading.deviceId}`).toBe(reading.deviceIP);
      expect(await redis.zscore('SensorData', String(reading.deviceId))).not.toBeNull();
    }
    expect(await climateCounters(redis)).toMatchObject({ hot: 1, warm: 1 });
  });

  it('accepts a reading sent by the mosquitto_pub binary', async () => {
    const payload = devicePayload({ deviceId: 'mosquitto-1', temperature: 77, humidity: 55 });
    await promisify(execFile)(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(pipeline.broker.port), '-q', '1', '-t', TOPIC, '-m', JSON.stringify(payload)],
      { timeout: 10_000 },
    );
    const hash = await waitUntil('the mosquitto reading in its hash', async () => {
      const fields = await redis.hgetall('mosquitto-1');
      return Object.keys(fields).length > 0 ? fields : null;
    });
    expect(hash).toMatchObject({ temperature: '77', humidity: '55', deviceIP: payload.deviceIP, climate: 'warm' });
    expect(await redis.get('climate:warm')).toBe('1');
    expect(await redis.zscore('SensorData', 'mosquitto-1')).not.toBeNull();
  });
});
