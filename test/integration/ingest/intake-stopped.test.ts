import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestThreadPipeline, type IngestThreadPipeline } from '../../helpers/ingest-thread-pipeline.js';
import { connectPublisher } from '../../helpers/mqtt-publisher.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: TestRedis;
let redis: Redis;
let pipeline: IngestThreadPipeline;
let publisher: MqttClient;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  pipeline = await startIngestThreadPipeline(server.url);
  publisher = await connectPublisher(pipeline.broker.url);
});

afterAll(async () => {
  await redis?.config('SET', 'maxmemory', '0').catch(() => undefined);
  await publisher?.endAsync(true);
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
});

describe('Redis refusing every batch during a run (maxmemory reached, noeviction)', () => {
  it('stops intake loudly instead of dropping: nothing acknowledged, nothing lost, and intake resumes once Redis is fixed', async () => {
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    let acknowledged = 0;
    const readings = Array.from({ length: 50 }, (_, index) => devicePayload({ deviceId: `oom-${index}` }));
    for (const reading of readings) void publisher.publishAsync('temp_readings', JSON.stringify(reading), { qos: 1 }).then(() => (acknowledged += 1));

    await waitUntil('intake to stop', () => pipeline.ingest.snapshot().refusal, { timeoutMs: 5000 });
    expect(pipeline.ingest.snapshot().refusal).toMatch(/OOM|EXECABORT/);
    expect(pipeline.log.filter((line) => line.startsWith('INTAKE STOPPED'))).toHaveLength(1);
    await sleep(1500);
    expect(acknowledged).toBe(0);
    expect(pipeline.ingest.snapshot()).toMatchObject({ dropped: 0, written: 0, buffered: readings.length });
    expect(pipeline.log.filter((line) => line.startsWith('INTAKE STOPPED'))).toHaveLength(1);

    await redis.config('SET', 'maxmemory', '0');
    await waitUntil('every reading acknowledged', () => acknowledged === readings.length, { timeoutMs: 10_000 });
    expect(await redis.zcard('SensorData')).toBe(readings.length);
    await waitUntil('the figures to say intake runs again', () => pipeline.ingest.snapshot().refusal === null);
    expect(pipeline.log.join('\n')).toMatch(/intake resumed/);
  });
});
