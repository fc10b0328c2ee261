import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestSnapshot } from '../../../core/ingest/ingest-snapshot.js';
import { classifyClimate } from '../../../core/model/climate.js';
import { DEAD_LETTER_PAYLOAD_CHARS } from '../../../core/model/dead-letter-persist.js';
import { freePort } from '../../helpers/free-port.js';
import { startIngestThreadPipeline, type IngestThreadPipeline, type IngestThreadPipelineOptions } from '../../helpers/ingest-thread-pipeline.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startRedisServer, type RedisServerProcess } from '../../helpers/redis-server-process.js';
import { snapshotKeys } from '../../helpers/redis-snapshot.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload, type DevicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * IngestThread as the product runs it (core/stack.ts): the real aedes broker, a real mqtt.js device,
 * ingest in its worker thread, a real redis-server. Everything the main thread learns about ingest
 * comes through snapshot(), refreshed from the worker every 250 ms, and the relayed log lines.
 */

const TOPIC = 'temp_readings';
const CLOCK = 1_750_000_000_000;
const SIX_FIELDS = ['climate', 'deviceIP', 'humidity', 'requestId', 'temperature', 'timestamp'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects if `promise` has not settled within `ms`, so a hang fails the test quickly and says what hung. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// What a test started; cleanUp() takes it down: the device first, then the broker and the ingest worker.
let publisher: MqttClient | null = null;
let pipeline: IngestThreadPipeline | null = null;

async function cleanUp(): Promise<void> {
  await publisher?.endAsync(true).catch(() => undefined);
  publisher = null;
  await pipeline?.stop();
  pipeline = null;
}

async function startPipeline(redisUrl: string, options: IngestThreadPipelineOptions = {}): Promise<IngestThreadPipeline> {
  pipeline = await startIngestThreadPipeline(redisUrl, options);
  publisher = await connectPublisher(pipeline.broker.url);
  return pipeline;
}

/** Waits for the running pipeline's snapshot() (refreshed every 250 ms) to satisfy `ready`, and returns that snapshot. */
const snapshotWhen = (what: string, ready: (snapshot: IngestSnapshot) => boolean, timeoutMs = 10_000) =>
  waitUntil(
    `snapshot(): ${what}`,
    () => {
      const snapshot = pipeline!.ingest.snapshot();
      return ready(snapshot) ? snapshot : null;
    },
    { timeoutMs },
  );

describe('IngestThread on a Redis that stays up', () => {
  let server: TestRedis;
  let redis: Redis;

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
  });

  afterEach(cleanUp);

  it('writes QoS 1 readings from the broker through the worker, and snapshot() counts each once', async () => {
    const { ingest } = await startPipeline(server.url);
    const temperatures = [1, 30, 65, 65.1, 70, 75, 76, 80, 85, 86, 100, 110];
    const readings = temperatures.map((temperature, i) =>
      devicePayload({ deviceId: i % 2 ? `thread-${i}` : 500 + i, temperature, humidity: i * 8, timestamp: CLOCK + i }),
    );
    await publishAll(publisher!, TOPIC, readings);

    const snapshot = await snapshotWhen(`received and written = ${readings.length}`, (s) => s.written === readings.length && s.received === readings.length);
    // A short wait more: nothing is counted twice on later refreshes.
    await sleep(600);
    expect(ingest.snapshot()).toMatchObject({
      received: readings.length,
      written: readings.length,
      rejected: 0,
      dropped: 0,
      writeErrors: 0,
      buffered: 0,
      bufferFull: false,
      waitingPublishers: 0,
      lastError: null,
    });
    expect(snapshot.batches).toBeGreaterThanOrEqual(1);
    expect(snapshot.latency.samples).toBe(readings.length);
    expect(snapshot.latency.p50).toBeGreaterThan(0);

    expect(await redis.zcard('SensorData')).toBe(readings.length);
    for (const reading of readings) {
      const id = String(reading.deviceId);
      expect(Number(await redis.zscore('SensorData', id)), `score of ${id}`).toBe(reading.timestamp);
      const hash = await redis.hgetall(id);
      expect(Object.keys(hash).sort()).toEqual(SIX_FIELDS);
      expect(hash).toMatchObject({
        temperature: String(reading.temperature),
        humidity: String(reading.humidity),
        deviceIP: reading.deviceIP,
        climate: classifyClimate(reading.temperature),
        timestamp: String(reading.timestamp),
      });
    }
    expect(await climateCounters(redis)).toEqual({ cold: 3, cool: 3, warm: 3, hot: 3, total: readings.length });
    expect(pipeline!.log).toEqual([]);
  });

  it('rejects bad payloads by reason into the dead-letter list under the key prefix, while good readings keep flowing', async () => {
    const keyPrefix = 'thread-test:';
    const { ingest, keys } = await startPipeline(server.url, { keyPrefix });
    const bad = [
      { reason: 'not-json', payload: '{"deviceId": 9001, "temperature": ' },
      { reason: 'missing-field', payload: JSON.stringify({ deviceId: 9002, humidity: 40, deviceIP: '10.0.0.2' }) },
      { reason: 'wrong-type', payload: JSON.stringify(devicePayload({ deviceId: 9003, temperature: 'hot' as unknown as number })) },
      { reason: 'out-of-range', payload: JSON.stringify(devicePayload({ deviceId: 9004, humidity: 150 })) },
      { reason: 'too-large', payload: JSON.stringify({ ...devicePayload({ deviceId: 9005 }), note: 'x'.repeat(5000) }) },
      { reason: 'invalid-value', payload: JSON.stringify(devicePayload({ deviceId: 9006, deviceIP: 'not-an-ip' })) },
    ];
    const good = [
      devicePayload({ deviceId: 'good-1', temperature: 90 }),
      devicePayload({ deviceId: 'good-2', temperature: 60 }),
      devicePayload({ deviceId: 'good-3', temperature: 80 }),
    ];
    // Good and bad interleaved on one connection: a rejection must not hold up or lose its neighbours.
    await publishAll(publisher!, TOPIC, [good[0]!, ...bad.slice(0, 3).map((b) => b.payload), good[1]!, ...bad.slice(3).map((b) => b.payload), good[2]!]);

    const total = good.length + bad.length;
    const snapshot = await snapshotWhen(`${total} received, ${good.length} written`, (s) => s.received === total && s.written === good.length);
    expect(snapshot).toMatchObject({ rejected: bad.length, dropped: 0, buffered: 0 });
    for (const { reason } of bad) expect(snapshot.rejectedByReason[reason], reason).toBe(1);
    expect(Object.values(snapshot.rejectedByReason).reduce((sum, n) => sum + n, 0)).toBe(bad.length);

    const letters = await waitUntil(`${bad.length} dead letters at ${keys.deadLetters}`, async () => {
      const raw = await redis.lrange(keys.deadLetters, 0, -1);
      return raw.length >= bad.length ? raw.map((entry) => JSON.parse(entry) as { reason: string; topic: string; payload: string; payloadBytes: number }) : null;
    });
    expect(keys.deadLetters).toBe(`${keyPrefix}workbench:ingest:deadletters`);
    expect(letters.map((l) => l.reason)).toEqual(bad.map((b) => b.reason).reverse());
    for (const letter of letters) {
      const sent = bad.find((b) => b.reason === letter.reason)!;
      expect(letter.topic).toBe(TOPIC);
      expect(letter.payloadBytes).toBe(Buffer.byteLength(sent.payload));
      expect(letter.payload).toBe(sent.payload.slice(0, DEAD_LETTER_PAYLOAD_CHARS));
    }
    expect(await redis.hgetall(keys.rejectedCounts)).toEqual(Object.fromEntries(bad.map((b) => [b.reason, '1'])));

    // The good readings landed, under the prefix; the bad ones left no trace; nothing was written unprefixed.
    expect((await redis.zrange(keys.sensorData, 0, -1)).sort()).toEqual(['good-1', 'good-2', 'good-3']);
    expect(await climateCounters(redis, keyPrefix)).toEqual({ hot: 1, warm: 1, cool: 0, cold: 1, total: 3 });
    for (const id of ['9001', '9002', '9003', '9004', '9005', '9006']) expect(await redis.exists(keys.deviceHash(id)), id).toBe(0);
    expect((await redis.keys('*')).filter((key) => !key.startsWith(keyPrefix))).toEqual([]);

    // And the worker keeps taking readings afterwards.
    await publishAll(publisher!, TOPIC, [devicePayload({ deviceId: 'good-late', temperature: 70 })]);
    await waitUntil('the late reading', async () => (await redis.hget(keys.deviceHash('good-late'), 'climate')) === 'cool');
    expect(ingest.snapshot().rejected).toBe(bad.length);
  });

  describe("the 'per-reading' strategy (the benchmark's baseline)", () => {
    type Strategy = 'batched' | 'per-reading';
    interface Run {
      keys: Record<string, { type: string; content: unknown }>;
      warnings: Array<{ deviceId: string; temperature: number; timestamp: number }>;
    }
    /** A small sequence with the device clock: four devices, some seen more than once (the last reading wins its hash). */
    const readings: DevicePayload[] = [
      { deviceId: 7001, temperature: 90, humidity: 10 },
      { deviceId: 'dev-b', temperature: 70, humidity: 20 },
      { deviceId: 7001, temperature: 60, humidity: 30 },
      { deviceId: 'dev-c', temperature: 80, humidity: 40 },
      { deviceId: 'dev-b', temperature: 100, humidity: 50 },
      { deviceId: 'dev-d', temperature: 65, humidity: 60 },
      { deviceId: 7001, temperature: 76, humidity: 70 },
      { deviceId: 'dev-c', temperature: 86, humidity: 80 },
    ].map((fields, i) => ({ ...fields, deviceIP: `10.70.0.${i + 1}`, timestamp: CLOCK + 1000 * i }));
    const hot = readings.filter((r) => classifyClimate(r.temperature) === 'hot');
    const runs = {} as Record<Strategy, Run>;

    /** Runs the readings through a fresh IngestThread with `strategy` under its own key prefix; keeps what it left in Redis and on Warnings. */
    async function run(strategy: Strategy): Promise<Run> {
      const keyPrefix = `${strategy}:`;
      const warnings: string[] = [];
      const subscriber = redisClient(server.url);
      try {
        subscriber.on('message', (_channel: string, message: string) => warnings.push(message));
        await subscriber.subscribe(`${keyPrefix}Warnings`);
        await startPipeline(server.url, { strategy, keyPrefix });
        await publishAll(publisher!, TOPIC, readings);
        await snapshotWhen(`${strategy}: ${readings.length} written`, (s) => s.written === readings.length);
        expect(pipeline!.ingest.snapshot()).toMatchObject({ received: readings.length, rejected: 0, dropped: 0 });
        expect(await pipeline!.stop()).toEqual({ thermostats: [], meters: [], topicHashes: [] });
        await cleanUp();
        // Redis delivers a channel's messages in order: once END is here, every warning of the run is too.
        await redis.publish(`${keyPrefix}Warnings`, 'END');
        await waitUntil(`${strategy}: END on Warnings`, () => warnings.includes('END'));
      } finally {
        subscriber.disconnect();
      }
      const keys = (await snapshotKeys(redis, keyPrefix)) as Run['keys'];
      for (const key of Object.keys(keys)) if (key.startsWith('workbench:ingest:writer:')) delete keys[key];
      return { keys, warnings: warnings.filter((w) => w !== 'END').map((w) => JSON.parse(w) as Run['warnings'][number]) };
    }

    beforeAll(async () => {
      await redis.flushall();
      runs.batched = await run('batched');
      runs['per-reading'] = await run('per-reading');
    });

    // If beforeAll failed half-way, no afterEach runs for these tests.
    afterAll(cleanUp);

    /** The run's keys without request ids (unique per reading by design) and, unless kept, without time stamps. */
    function comparable({ keys }: Run, { keepTimestamps }: { keepTimestamps: boolean }): Record<string, unknown> {
      return Object.fromEntries(
        Object.entries(keys).map(([name, { type, content }]) => {
          if (type === 'hash') {
            const { requestId, timestamp, ...rest } = content as Record<string, string>;
            expect(requestId, `${name} requestId`).toMatch(/\S/);
            return [name, { type, content: keepTimestamps ? { ...rest, timestamp } : rest }];
          }
          if (type === 'zset' && !keepTimestamps) return [name, { type, content: (content as string[]).filter((_, i) => i % 2 === 0).sort() }];
          return [name, { type, content }];
        }),
      );
    }

    it('leaves the same climate counters, SensorData members and device hashes as the batched strategy', () => {
      const batched = comparable(runs.batched, { keepTimestamps: false });
      expect(Object.keys(batched).sort()).toEqual(['7001', 'SensorData', 'climate:cold', 'climate:cool', 'climate:hot', 'climate:warm', 'dev-b', 'dev-c', 'dev-d']);
      expect(batched).toMatchObject({
        'climate:hot': { content: '3' },
        'climate:warm': { content: '2' },
        'climate:cool': { content: '1' },
        'climate:cold': { content: '2' },
        '7001': { type: 'hash', content: { temperature: '76', humidity: '70', deviceIP: '10.70.0.7', climate: 'warm' } },
      });
      expect(comparable(runs['per-reading'], { keepTimestamps: false })).toEqual(batched);
      // The batched run kept the device clock and warned once per hot reading (what the baseline is held to below).
      expect(runs.batched.keys['7001']!.content).toMatchObject({ timestamp: String(CLOCK + 6000) });
      expect(runs.batched.warnings.map((w) => [w.deviceId, w.temperature, w.timestamp])).toEqual(hot.map((r) => [String(r.deviceId), r.temperature, r.timestamp]));
    });

    it('keeps the device clock (payload timestamp) in SensorData and the hashes, as the batched strategy does', () => {
      expect(comparable(runs['per-reading'], { keepTimestamps: true })).toEqual(comparable(runs.batched, { keepTimestamps: true }));
    });

    it('publishes one Warnings message per hot reading, as the batched strategy does', () => {
      expect(runs['per-reading'].warnings.map((w) => [w.deviceId, w.temperature])).toEqual(hot.map((r) => [String(r.deviceId), r.temperature]));
    });
  });
});

describe('IngestThread on a redis-server the test stops', () => {
  const OUTAGE_MS = 8000;
  const PUBLISH_EVERY_MS = 10;
  let dir: TempDir;
  let port: number;
  let server: RedisServerProcess | null = null;

  beforeEach(async () => {
    dir = await makeTempDir('sw-thread-');
    port = await freePort();
    server = await startRedisServer({ port, dir: dir.path, appendonly: true });
  });

  afterEach(async () => {
    await cleanUp();
    await server?.stop();
    server = null;
    await dir?.remove();
  });

  it('acknowledges nothing during an 8 s Redis outage and writes every QoS 1 reading published across it exactly once, logging the failure and the recovery', async () => {
    const { ingest, log } = await startPipeline(server!.url);
    const acks: Array<Promise<unknown>> = [];
    let published = 0;
    let acknowledged = 0;
    const ticker = setInterval(() => {
      const reading = devicePayload({ deviceId: `restart-${published}`, temperature: 1 + (published % 110), timestamp: CLOCK + published });
      published += 1;
      acks.push(publisher!.publishAsync(TOPIC, JSON.stringify(reading), { qos: 1 }).then(() => (acknowledged += 1)));
    }, PUBLISH_EVERY_MS);

    try {
      await snapshotWhen('readings flowing into Redis', (s) => s.written >= 30);
      await server!.stop();
      server = null;
      const outageStarted = Date.now();
      // Replies Redis sent before it stopped may still be on their way to the publisher.
      await sleep(200);
      const acknowledgedWhenRedisStopped = acknowledged;
      // While Redis is away readings are held, not lost, not counted as written, and not acknowledged.
      const holding = await snapshotWhen('readings piling up in the worker', (s) => s.buffered >= 50, OUTAGE_MS);
      await sleep(OUTAGE_MS - (Date.now() - outageStarted));
      expect(acknowledged, 'PUBACKs sent while Redis was away').toBe(acknowledgedWhenRedisStopped);
      const endOfOutage = ingest.snapshot();
      expect(endOfOutage.buffered).toBeGreaterThan(holding.buffered);
      expect(endOfOutage.written).toBe(holding.written);
      expect(endOfOutage.dropped).toBe(0);
      expect(log.join('\n')).toMatch(/Redis write failed/);

      server = await startRedisServer({ port, dir: dir.path, appendonly: true });
      await waitUntil('the worker to report Redis is back', () => log.some((line) => /Redis is back/.test(line)), { timeoutMs: 10_000 });
      await snapshotWhen('the backlog to be written', (s) => s.written > endOfOutage.written + endOfOutage.buffered / 2);
    } finally {
      clearInterval(ticker);
    }
    await within(10_000, 'the PUBACKs of all published readings', Promise.all(acks));

    const final = await snapshotWhen(`all ${published} readings written`, (s) => s.written === published && s.buffered === 0);
    expect(final).toMatchObject({ received: published, written: published, dropped: 0, rejected: 0, bufferFull: false });
    const redis = redisClient(server.url);
    try {
      expect((await climateCounters(redis)).total).toBe(published);
      expect(await redis.zcard('SensorData')).toBe(published);
      const members = new Set(await redis.zrange('SensorData', 0, -1));
      expect(Array.from({ length: published }, (_, i) => `restart-${i}`).filter((id) => !members.has(id))).toEqual([]);
    } finally {
      redis.disconnect();
    }
    expect(log.filter((line) => /Redis write failed/.test(line))).toHaveLength(1);
    expect(log.join('\n')).not.toMatch(/DROPPED|FAILED/);
  });

  it('acknowledges nothing while Redis is gone, and stop() returns the unwritten readings once shutdownFlushMs has passed instead of hanging', async () => {
    const shutdownFlushMs = 500;
    const { ingest, log } = await startPipeline(server!.url, { settings: { shutdownFlushMs } });
    await publishAll(publisher!, TOPIC, [devicePayload({ deviceId: 'before-outage' })]);
    await snapshotWhen('the first reading written', (s) => s.written === 1);

    await server!.stop();
    server = null;
    const held = ['gone-1', 'gone-2', 'gone-3', 'gone-4', 'gone-5'].map((deviceId, i) => devicePayload({ deviceId, temperature: 60 + 10 * i, humidity: i }));
    let acknowledged = 0;
    for (const reading of held) void publisher!.publishAsync(TOPIC, JSON.stringify(reading), { qos: 1 }).then(() => (acknowledged += 1), () => undefined);
    await snapshotWhen('the worker to hold the readings', (s) => s.received === 1 + held.length && s.buffered === held.length);
    await sleep(500);
    // Acknowledged means written: nothing is acknowledged while Redis is away.
    expect(acknowledged).toBe(0);
    await publisher!.endAsync(true);
    publisher = null;

    const started = Date.now();
    const { thermostats: unwritten } = await within(shutdownFlushMs + 4000, 'IngestThread.stop() with Redis gone', pipeline!.stop());
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(shutdownFlushMs - 50);

    expect(unwritten.map((r) => r.deviceId).sort()).toEqual(held.map((h) => h.deviceId).sort());
    for (const sent of held) {
      expect(unwritten.find((r) => r.deviceId === sent.deviceId)).toMatchObject({
        temperature: sent.temperature,
        humidity: sent.humidity,
        deviceIP: sent.deviceIP,
        climate: classifyClimate(sent.temperature),
      });
    }
    // The final snapshot, sent by the worker with its answer: nothing counted as written or dropped.
    expect(ingest.snapshot()).toMatchObject({ received: 1 + held.length, written: 1, dropped: 0 });
    expect(log.join('\n')).toMatch(/Redis write failed/);
  });
});
