import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThermostatEmulator } from '../../../core/emulator/thermostat-emulator.js';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

let server: TestRedis;
let redis: Redis;
let pipeline: IngestPipeline;
let emulator: ThermostatEmulator | null = null;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  pipeline = await startIngestPipeline(server.url);
});

afterAll(async () => {
  await emulator?.stop();
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
});

describe('thermostat emulator → broker → ingest', () => {
  it('publishes at the set rate, changes rate while running, stops, and every reading it published is counted once', async () => {
    emulator = new ThermostatEmulator({ brokerUrl: pipeline.broker.url, rate: 100, devices: 50, qos: 1 });
    await emulator.start();
    expect(emulator.status()).toMatchObject({ running: true, rate: 100, devices: 50, qos: 1 });

    await waitUntil('readings arriving in Redis', () => pipeline.ingest.counters.written >= 20);
    emulator.reconfigure({ rate: 1000 });
    expect(emulator.status().rate).toBe(1000);
    const atChange = emulator.status().published;
    // At 1000/s the next 300 readings take ~0.3 s; at the old 100/s they would take 3 s.
    await waitUntil('the faster rate', () => emulator!.status().published >= atChange + 300, { timeoutMs: 2500 });

    await emulator.stop();
    expect(emulator.status().running).toBe(false);
    const { published } = emulator.status();
    await waitUntil('every published reading written', () => pipeline.ingest.counters.written === published);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.status().published).toBe(published); // nothing after stop
    expect(pipeline.ingest.counters).toMatchObject({ received: published, written: published, rejected: 0 });
    expect((await climateCounters(redis)).total).toBe(published);
    expect(await redis.zcard('SensorData')).toBeLessThanOrEqual(50);
  });
});
