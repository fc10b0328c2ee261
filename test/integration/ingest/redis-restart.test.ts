import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { connectPublisher } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startRedisServer, type RedisServerProcess } from '../../helpers/redis-server-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const OUTAGE_MS = 3000;
const PUBLISH_EVERY_MS = 10;

let dir: TempDir;
let port: number;
let server: RedisServerProcess | null = null;
let pipeline: IngestPipeline | null = null;
let publisher: MqttClient | null = null;
let redis: Redis | null = null;

beforeAll(async () => {
  dir = await makeTempDir('sw-restart-');
  port = await freePort();
  server = await startRedisServer({ port, dir: dir.path, appendonly: true });
  pipeline = await startIngestPipeline(server.url);
  publisher = await connectPublisher(pipeline.broker.url);
});

afterAll(async () => {
  await publisher?.endAsync(true);
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
  await dir?.remove();
});

describe('Redis stopped and started again while QoS 1 readings keep coming', () => {
  it('writes every published reading exactly once', async () => {
    const acks: Array<Promise<unknown>> = [];
    let published = 0;
    const ticker = setInterval(() => {
      const reading = devicePayload({ deviceId: `restart-${published}`, temperature: 1 + (published % 110), timestamp: 1_750_000_000_000 + published });
      published += 1;
      acks.push(publisher!.publishAsync('temp_readings', JSON.stringify(reading), { qos: 1 }));
    }, PUBLISH_EVERY_MS);

    try {
      const ingest = pipeline!.ingest;
      await waitUntil('readings flowing into Redis', () => ingest.counters.written >= 30);

      await server!.stop();
      server = null;
      const writtenAtStop = ingest.counters.written;
      // While Redis is away, readings are held, not lost, and not counted as written.
      await waitUntil('readings to pile up in the buffer', () => ingest.buffer.buffered >= 50, { timeoutMs: OUTAGE_MS });
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - 500));
      expect(ingest.buffer.buffered).toBeGreaterThan(100);
      expect(ingest.counters.written).toBe(writtenAtStop);
      const bufferedDuringOutage = ingest.buffer.buffered;

      server = await startRedisServer({ port, dir: dir.path, appendonly: true });
      await waitUntil('the buffer to drain after Redis is back', () => ingest.counters.written > writtenAtStop + bufferedDuringOutage / 2, {
        timeoutMs: 10_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      clearInterval(ticker);
    }
    await Promise.all(acks);

    const ingest = pipeline!.ingest;
    await waitUntil(`all ${published} readings written`, () => ingest.counters.written === published && ingest.buffer.buffered === 0, {
      timeoutMs: 10_000,
    });
    redis = redisClient(server.url);
    expect((await climateCounters(redis)).total).toBe(published);
    expect(await redis.zcard('SensorData')).toBe(published);
    const missing: string[] = [];
    for (let i = 0; i < published; i += 1) if (!(await redis.exists(`restart-${i}`))) missing.push(`restart-${i}`);
    expect(missing).toEqual([]);
    expect(ingest.counters).toMatchObject({ received: published, written: published, dropped: 0, rejected: 0 });
    expect(pipeline!.log.join('\n')).toMatch(/Redis write failed/);
  });

  it('when the buffer is full, says so loudly and holds publishers back instead of dropping readings', async () => {
    const admin = redisClient(server!.url);
    await admin.flushall();
    admin.disconnect();
    const small = await startIngestPipeline(server!.url, { bufferLimit: 100 });
    const client = await connectPublisher(small.broker.url);
    try {
      await server!.stop();
      server = null;
      const total = 150;
      const acks = Array.from({ length: total }, (_, i) =>
        client.publishAsync('temp_readings', JSON.stringify(devicePayload({ deviceId: `full-${i}`, temperature: 90 })), { qos: 1 }),
      );
      await waitUntil('the buffer to fill', () => small.ingest.buffer.isFull);
      expect(small.log.join('\n')).toMatch(/buffer FULL/);
      expect(small.ingest.counters.dropped).toBe(0);
      expect(small.ingest.buffer.waitingPublishers).toBeGreaterThan(0);

      server = await startRedisServer({ port, dir: dir.path, appendonly: true });
      await Promise.all(acks);
      await waitUntil('all readings written', () => small.ingest.counters.written === total && small.ingest.buffer.buffered === 0, { timeoutMs: 10_000 });
      expect(small.ingest.buffer.isFull).toBe(false);
      expect(small.log.join('\n')).toMatch(/room again/);
      const check = redisClient(server.url);
      try {
        expect(await check.get('climate:hot')).toBe(String(total));
      } finally {
        check.disconnect();
      }
    } finally {
      await client.endAsync(true);
      await small.stop();
    }
  });
});
