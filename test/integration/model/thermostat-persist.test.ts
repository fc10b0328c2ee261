import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyClimate } from '../../../core/model/climate.js';
import { createKeySchema, type KeySchema } from '../../../core/model/keys.js';
import { thermostatWrites } from '../../../core/model/thermostat-persist.js';
import type { ThermostatReading } from '../../../core/model/thermostat-reading.js';
import { redisClient } from '../../helpers/redis-client.js';
import { snapshotKeys } from '../../helpers/redis-snapshot.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * thermostatWrites batches readings (one ZADD, one HSET per device, INCRBY per climate). The issue's
 * contract: the final state equals the source document's per-reading MULTI applied one by one in
 * arrival order. Both are run against a real redis-server under different key prefixes and compared.
 */

let server: TestRedis;
let redis: Redis;
let subscriber: Redis;
const warnings = new Map<string, string[]>();

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  subscriber = redisClient(server.url);
  subscriber.on('message', (channel: string, message: string) => warnings.get(channel)?.push(message));
});

afterAll(async () => {
  subscriber?.disconnect();
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

/** The source document's Lambda, one MULTI per reading, awaited in order. */
async function applyOneByOne(readings: readonly ThermostatReading[], keys: KeySchema): Promise<void> {
  for (const r of readings) {
    const multi = redis
      .multi()
      .incr(keys.climateCounter(r.climate))
      .zadd(keys.sensorData, r.timestamp, r.deviceId)
      .hset(keys.deviceHash(r.deviceId), {
        temperature: r.temperature,
        deviceIP: r.deviceIP,
        humidity: r.humidity,
        climate: r.climate,
        timestamp: r.timestamp,
        requestId: r.requestId,
      });
    if (r.climate === 'hot') multi.publish(keys.warningsChannel, JSON.stringify({ deviceId: r.deviceId, temperature: r.temperature, timestamp: r.timestamp, requestId: r.requestId }));
    await multi.exec();
  }
}

/** thermostatWrites per batch, each batch in one MULTI, as the write buffer sends them. */
async function applyBatched(readings: readonly ThermostatReading[], keys: KeySchema, batchSizes: number[]): Promise<void> {
  let start = 0;
  for (const size of [...batchSizes, readings.length]) {
    if (start >= readings.length) break;
    const batch = readings.slice(start, start + size);
    start += batch.length;
    const replies = await redis.multi(thermostatWrites(batch, keys)).exec();
    for (const [error] of replies ?? []) expect(error).toBeNull();
  }
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function reading(deviceId: string, temperature: number, timestamp: number, n: number): ThermostatReading {
  return { deviceId, temperature, humidity: (n * 7) % 101, deviceIP: `10.0.${n >> 8}.${n & 255}`, climate: classifyClimate(temperature), timestamp, requestId: `req-${n}` };
}

async function subscribeWarnings(...channels: string[]): Promise<void> {
  for (const channel of channels) warnings.set(channel, []);
  await subscriber.subscribe(...channels);
}

describe('thermostatWrites against a real Redis', () => {
  it('leaves the same state and publishes the same warnings as one MULTI per reading, with devices repeating within a batch', async () => {
    const random = mulberry32(2024);
    const devices = ['1', '2', '3', '4', '5', 'thermo-a', 'thermo.b_2'];
    const boundaryTemperatures = [65, 65.1, 75, 76, 85, 86];
    const readings = Array.from({ length: 400 }, (_, n) => {
      const temperature = n < boundaryTemperatures.length ? boundaryTemperatures[n]! : 1 + Math.floor(random() * 110);
      // Device clocks are not monotonic: some readings carry an earlier timestamp than the one before.
      const timestamp = 1_700_000_000_000 + n * 1000 - Math.floor(random() * 5000);
      return reading(devices[Math.floor(random() * devices.length)]!, temperature, timestamp, n);
    });
    const reference = createKeySchema({ keyPrefix: 'ref:' });
    const batched = createKeySchema({ keyPrefix: 'batch:' });
    await subscribeWarnings(reference.warningsChannel, batched.warningsChannel);

    await applyOneByOne(readings, reference);
    await applyBatched(readings, batched, [1, 7, 50, 142]);

    const expected = await snapshotKeys(redis, 'ref:');
    expect(await snapshotKeys(redis, 'batch:')).toEqual(expected);
    // The comparison is only meaningful if the reference wrote what the document describes.
    expect(Object.keys(expected).sort()).toEqual(['SensorData', ...devices, 'climate:cold', 'climate:cool', 'climate:hot', 'climate:warm'].sort());
    for (const device of devices) {
      expect(Object.keys((expected[device] as { content: object }).content).sort()).toEqual(
        ['climate', 'deviceIP', 'humidity', 'requestId', 'temperature', 'timestamp'],
      );
    }

    const hotCount = readings.filter((r) => r.climate === 'hot').length;
    expect(hotCount).toBeGreaterThan(0);
    // Under the whole suite's load the subscriber's socket can lag well behind the writers.
    await waitUntil(
      'both warning streams to arrive',
      () => warnings.get(batched.warningsChannel)!.length >= hotCount && warnings.get(reference.warningsChannel)!.length >= hotCount,
      { timeoutMs: 30_000 },
    );
    expect(warnings.get(batched.warningsChannel)).toEqual(warnings.get(reference.warningsChannel));
  });

  it('keeps the later-arriving reading of a device even when its timestamp is older', async () => {
    const keys = createKeySchema({ keyPrefix: '' });
    await subscribeWarnings(keys.warningsChannel);
    const readings = [reading('7', 95, 1_700_000_002_000, 1), reading('8', 70, 1_700_000_000_500, 2), reading('7', 40, 1_700_000_001_000, 3)];

    await redis.multi(thermostatWrites(readings, keys)).exec();

    expect(await redis.zrange('SensorData', 0, -1, 'WITHSCORES')).toEqual(['8', '1700000000500', '7', '1700000001000']);
    expect(await redis.hgetall('7')).toEqual({
      temperature: '40',
      deviceIP: readings[2]!.deviceIP,
      humidity: String(readings[2]!.humidity),
      climate: 'cold',
      timestamp: '1700000001000',
      requestId: 'req-3',
    });
    expect(await redis.mget('climate:hot', 'climate:warm', 'climate:cool', 'climate:cold')).toEqual(['1', null, '1', '1']);
    // The hot reading was overwritten in the hash, but its warning still goes out.
    await waitUntil('the warning', () => warnings.get('Warnings')!.length === 1);
    expect(JSON.parse(warnings.get('Warnings')![0]!)).toEqual({ deviceId: '7', temperature: 95, timestamp: 1_700_000_002_000, requestId: 'req-1' });
  });

  it('matches one-by-one processing when a device id names an existing key of another type (a shared Redis)', async () => {
    const reference = createKeySchema({ keyPrefix: 'ref:' });
    const batched = createKeySchema({ keyPrefix: 'batch:' });
    // Someone else's plain string key that happens to share its name with a device id.
    await redis.set('ref:777', 'not a hash');
    await redis.set('batch:777', 'not a hash');
    const readings = [reading('776', 90, 1_700_000_000_000, 1), reading('777', 70, 1_700_000_000_001, 2), reading('778', 80, 1_700_000_000_002, 3)];

    await applyOneByOne(readings, reference); // 777's HSET fails with WRONGTYPE; every other command of every reading applies
    await redis.multi(thermostatWrites(readings, batched)).exec().catch(() => undefined);

    const expected = await snapshotKeys(redis, 'ref:');
    expect(Object.keys(expected).sort()).toEqual(['776', '777', '778', 'SensorData', 'climate:cool', 'climate:hot', 'climate:warm']);
    expect(await snapshotKeys(redis, 'batch:')).toEqual(expected);
  });

  it('writes nothing for an empty batch', () => {
    expect(thermostatWrites([], createKeySchema({ keyPrefix: '' }))).toEqual([]);
  });
});
