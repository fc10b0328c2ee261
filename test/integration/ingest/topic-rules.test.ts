import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_RULES } from '../../../core/domain/topic-rule.js';
import { startIngestThreadPipeline, type IngestThreadPipeline } from '../../helpers/ingest-thread-pipeline.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * The topic rules as the product runs them: a real aedes broker, a real mqtt.js device, ingest in its
 * worker thread and a real redis-server; the rules are routed on the broker's thread.
 */

let server: TestRedis;
let redis: Redis;
let pipeline: IngestThreadPipeline | null = null;
let device: MqttClient | null = null;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
});

afterEach(async () => {
  await device?.endAsync(true).catch(() => undefined);
  device = null;
  await pipeline?.stop();
  pipeline = null;
  await redis.flushall();
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

async function start(topicRules = [...DEFAULT_TOPIC_RULES]): Promise<IngestThreadPipeline> {
  pipeline = await startIngestThreadPipeline(server.url, { settings: { topicRules } });
  device = await connectPublisher(pipeline.broker.url);
  return pipeline;
}

const snapshotWhen = (what: string, ready: (snapshot: ReturnType<IngestThreadPipeline['ingest']['snapshot']>) => boolean) =>
  waitUntil(what, () => {
    const snapshot = pipeline!.ingest.snapshot();
    return ready(snapshot) ? snapshot : null;
  });

describe('topic rules', () => {
  it('stores JSON objects as the topic\'s hash, later fields over earlier ones', async () => {
    const { ingest } = await start([{ filter: 'sensors/+/air', handler: 'json-hash' }]);
    await publishAll(device!, 'sensors/kitchen/air', [{ co2: 612, ok: true, room: 'kitchen', nested: { a: 1 } }]);
    await snapshotWhen('first hash message written', (snapshot) => snapshot.hashMessagesWritten === 1);
    await publishAll(device!, 'sensors/kitchen/air', [{ co2: 640 }]);
    await publishAll(device!, 'sensors/hall/air', [{ co2: 480 }]);
    await snapshotWhen('three hash messages written', (snapshot) => snapshot.hashMessagesWritten === 3);

    expect(await redis.hgetall('topic:sensors/kitchen/air')).toEqual({ co2: '640', ok: 'true', room: 'kitchen', nested: '{"a":1}' });
    expect(await redis.hgetall('topic:sensors/hall/air')).toEqual({ co2: '480' });
    expect(ingest.topicRules()).toEqual({ rules: [{ filter: 'sensors/+/air', handler: 'json-hash', matched: 3 }], unrouted: 0 });
  });

  it('dead-letters a payload a json-hash rule cannot store, with its topic and reason', async () => {
    await start([{ filter: 'sensors/#', handler: 'json-hash' }]);
    await publishAll(device!, 'sensors/kitchen/air', ['[1,2,3]', 'not json']);
    const snapshot = await snapshotWhen('two rejections', (one) => one.rejected === 2);
    expect(snapshot.rejectedByReason).toMatchObject({ 'wrong-type': 1, 'not-json': 1 });
    const letters = await waitUntil('dead letters in Redis', async () => {
      const raw = await redis.lrange('workbench:ingest:deadletters', 0, -1);
      return raw.length === 2 ? raw.map((entry) => JSON.parse(entry) as { topic: string; reason: string }) : null;
    });
    expect(letters.map(({ topic, reason }) => `${topic} ${reason}`).sort()).toEqual(['sensors/kitchen/air not-json', 'sensors/kitchen/air wrong-type']);
    expect(await redis.exists('topic:sensors/kitchen/air')).toBe(0);
  });

  it('lets the first matching rule win: an ignore rule keeps part of a broader filter out', async () => {
    const { ingest } = await start([
      { filter: 'sensors/lab/#', handler: 'ignore' },
      { filter: 'sensors/#', handler: 'json-hash' },
    ]);
    await publishAll(device!, 'sensors/lab/air', [{ co2: 1 }]);
    await publishAll(device!, 'sensors/hall/air', [{ co2: 2 }]);
    await publishAll(device!, 'elsewhere', [{ co2: 3 }]);
    await snapshotWhen('the hall message written', (snapshot) => snapshot.hashMessagesWritten === 1);

    expect(await redis.keys('topic:*')).toEqual(['topic:sensors/hall/air']);
    expect(ingest.topicRules()).toEqual({
      rules: [
        { filter: 'sensors/lab/#', handler: 'ignore', matched: 1 },
        { filter: 'sensors/#', handler: 'json-hash', matched: 1 },
      ],
      unrouted: 1,
    });
  });

  it('takes new rules with the next message, without a restart', async () => {
    const { ingest } = await start();
    await publishAll(device!, 'temp_readings', [devicePayload({ deviceId: 'before' })]);
    await snapshotWhen('the first reading written', (snapshot) => snapshot.written === 1);

    ingest.setTopicRules([{ filter: 'temp_readings', handler: 'ignore' }]);
    await publishAll(device!, 'temp_readings', [devicePayload({ deviceId: 'while-ignored' })]);
    ingest.setTopicRules([{ filter: 'temp_readings', handler: 'thermostat' }]);
    await publishAll(device!, 'temp_readings', [devicePayload({ deviceId: 'after' })]);
    await snapshotWhen('the third reading handled', (snapshot) => snapshot.written === 2);

    expect((await redis.zrange('SensorData', 0, -1)).map((member) => member.split(':')[0])).toEqual(expect.arrayContaining(['before', 'after']));
    expect(await redis.zcard('SensorData')).toBe(2);
    expect(await redis.exists('while-ignored')).toBe(0);
    expect(ingest.snapshot().received).toBe(2);
  });
});
