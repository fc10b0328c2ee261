import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { startIngestThreadPipeline } from '../../helpers/ingest-thread-pipeline.js';
import { meterReading, meterReadings, sendDatagrams } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { snapshotKeys } from '../../helpers/redis-snapshot.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);
const DAY = 86_400;
/** 2026-11-01 00:00:00 UTC, a bucket boundary. */
const NOV_1 = 1_793_577_600;
/** Below what one datagram can carry, so a too-large datagram can be sent at all. */
const MAX_PAYLOAD_BYTES = 8192;

let server: TestRedis;
let redis: Redis;
let pipeline: IngestPipeline;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  pipeline = await startIngestPipeline(server.url, {}, { listenUdp: true, energy: { maxPayloadBytes: MAX_PAYLOAD_BYTES } });
});

afterAll(async () => {
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
});

const bucketKey = (deviceId: string, bucketStart: number) => `backend:dev:energy:${deviceId}:${bucketStart}`;

interface DeadLetterEntry {
  reason: string;
  detail: string;
  topic: string;
}

describe('meter datagrams over UDP', () => {
  it('land in the bucket of their own timestamp, in order, as sent, with the pending set, device hash and indexes', async () => {
    const deviceId = 'D704206006772';
    // 23:00 on Oct 31 to 01:00 on Nov 1: the readings straddle a day boundary.
    const readings = meterReadings(NOV_1 - 3600, 24);
    await sendDatagrams(pipeline.ingest.udpUrl!, [
      JSON.stringify({ deviceId, readings: readings.slice(0, 10) }),
      JSON.stringify({ deviceId, readings: readings.slice(10) }),
    ]);
    await waitUntil('24 meter readings written', () => pipeline.ingest.counters.meterReadingsWritten >= 24);

    expect(await redis.lrange(bucketKey(deviceId, NOV_1 - DAY), 0, -1)).toEqual(readings.slice(0, 12).map((r) => JSON.stringify(r)));
    expect(await redis.lrange(bucketKey(deviceId, NOV_1), 0, -1)).toEqual(readings.slice(12).map((r) => JSON.stringify(r)));
    expect((await redis.smembers('backend:dev:energy:pending')).sort()).toEqual([bucketKey(deviceId, NOV_1 - DAY), bucketKey(deviceId, NOV_1)].sort());
    const device = await redis.hgetall(`backend:dev:devices:${deviceId}`);
    expect(device).toMatchObject({ kind: 'meter', transport: 'udp', readings: '24' });
    expect(Number(device.firstSeen)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(device.lastSeen)).toBeGreaterThanOrEqual(Number(device.firstSeen));
    expect(await redis.zrange(`backend:dev:devices:${deviceId}:buckets`, 0, -1)).toEqual([String(NOV_1 - DAY), String(NOV_1)]);
    expect(await redis.zscore('backend:dev:meters', deviceId)).toBe(device.lastSeen);
  });

  it('rejects malformed datagrams with a reason, counts and keeps them, and keeps serving good senders', async () => {
    const good = { deviceId: 'D704206000777', readings: [meterReading(NOV_1 + 600)] };
    const tooBig = JSON.stringify({ deviceId: 'D704206000778', readings: meterReadings(NOV_1, 30) });
    const bad: Array<{ reason: string; datagram: string | Buffer }> = [
      { reason: 'not-json', datagram: '{"deviceId": "D1", "readings": [' },
      { reason: 'not-json', datagram: Buffer.from([0xff, 0x00, 0x13, 0x37]) },
      { reason: 'missing-field', datagram: JSON.stringify({ readings: [meterReading(NOV_1)] }) },
      { reason: 'invalid-value', datagram: JSON.stringify({ deviceId: 'bad:id', readings: [meterReading(NOV_1)] }) },
      { reason: 'wrong-type', datagram: JSON.stringify({ deviceId: 'D704206000779', readings: [{ ...meterReading(NOV_1), eReal: 'lots' }] }) },
      { reason: 'out-of-range', datagram: JSON.stringify({ deviceId: 'D704206000779', readings: [{ ...meterReading(NOV_1), eReal: [1, 2, 3] }] }) },
      { reason: 'invalid-value', datagram: JSON.stringify({ deviceId: 'D704206000779', readings: [{ ...meterReading(NOV_1), vRMSMin: [251, 249, 249, 249, 249, 249] }] }) },
      { reason: 'too-large', datagram: tooBig },
    ];
    const before = { ...pipeline.ingest.counters };
    await sendDatagrams(pipeline.ingest.udpUrl!, [...bad.map((b) => b.datagram), JSON.stringify(good)]);

    await waitUntil('the good reading written', async () => (await redis.llen(bucketKey(good.deviceId, NOV_1))) === 1);
    await waitUntil('every bad datagram counted', () => pipeline.ingest.counters.meterPayloadsRejected - before.meterPayloadsRejected === bad.length);
    const letters = await waitUntil('the dead letters', async () => {
      const raw = await redis.lrange(pipeline.keys.deadLetters, 0, bad.length - 1);
      return raw.length === bad.length ? raw.map((entry) => JSON.parse(entry) as DeadLetterEntry).reverse() : null;
    });
    expect(letters.map((letter) => letter.reason)).toEqual(bad.map((b) => b.reason));
    expect(letters.every((letter) => /^udp:\/\/127\.0\.0\.1:\d+$/.test(letter.topic))).toBe(true);
    expect(letters.find((letter) => letter.detail.startsWith('readings.0.vRMSMin.0'))?.detail).toContain('greater than vRMSMax[0]');
    expect(await redis.exists(bucketKey('D704206000779', NOV_1), bucketKey('D704206000778', NOV_1))).toBe(0);
  });
});

describe('a meter whose keys clash with other data on a shared Redis', () => {
  it('still gets its readings stored, and the refused write is counted and logged', async () => {
    const deviceId = 'D704206000999';
    await redis.set(`backend:dev:devices:${deviceId}`, 'not a hash');
    const errorsBefore = pipeline.ingest.counters.writeErrors;
    await sendDatagrams(pipeline.ingest.udpUrl!, [JSON.stringify({ deviceId, readings: [meterReading(NOV_1 + 1200)] })]);
    await waitUntil('the reading in its bucket', async () => (await redis.llen(bucketKey(deviceId, NOV_1))) === 1);
    await waitUntil('the refused writes counted', () => pipeline.ingest.counters.writeErrors > errorsBefore);
    expect(pipeline.log.some((line) => line.includes('WRONGTYPE'))).toBe(true);
    expect(await redis.get(`backend:dev:devices:${deviceId}`)).toBe('not a hash');
  });
});

describe('meter readings over MQTT', () => {
  it('takes the document array on meters/<deviceId>/energy from mosquitto_pub and rejects a bad topic id', async () => {
    const deviceId = 'D704206000100';
    const readings = meterReadings(NOV_1 + 3600, 3);
    const { port } = new URL(pipeline.broker.url);
    const publish = (topic: string, message: string) => run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', topic, '-m', message]);
    const rejectedBefore = pipeline.ingest.counters.meterPayloadsRejected;
    await publish(`meters/${deviceId}/energy`, JSON.stringify(readings));
    await publish('meters/bad:id/energy', JSON.stringify(readings));

    await waitUntil('3 readings in the bucket', async () => (await redis.llen(bucketKey(deviceId, NOV_1))) === 3);
    expect(await redis.lrange(bucketKey(deviceId, NOV_1), 0, -1)).toEqual(readings.map((r) => JSON.stringify(r)));
    expect(await redis.hget(`backend:dev:devices:${deviceId}`, 'transport')).toBe('mqtt');
    await waitUntil('the bad topic rejected', () => pipeline.ingest.counters.meterPayloadsRejected === rejectedBefore + 1);
    expect(pipeline.ingest.counters.rejectedByReason['unknown-topic']).toBeGreaterThanOrEqual(1);
  });
});

describe('meter ingest in the worker thread', () => {
  it('listens for datagrams in the worker and leaves the same data model as writing one reading at a time', async () => {
    const datagrams = [
      JSON.stringify({ deviceId: 'D704206000201', readings: meterReadings(NOV_1 - 600, 4) }),
      JSON.stringify({ deviceId: 'D704206000202', readings: meterReadings(NOV_1, 2) }),
      JSON.stringify({ deviceId: 'D704206000201', readings: [meterReading(NOV_1 + 900, 3)] }),
    ];
    const models: Array<Record<string, unknown>> = [];
    for (const strategy of ['batched', 'per-reading'] as const) {
      await redis.flushall();
      const threaded = await startIngestThreadPipeline(server.url, { listenUdp: true, strategy });
      try {
        expect(threaded.ingest.udpUrl).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
        for (const datagram of datagrams) await sendDatagrams(threaded.ingest.udpUrl!, [datagram]);
        await waitUntil(`${strategy}: 7 readings written`, () => threaded.ingest.snapshot().meterReadingsWritten === 7, { timeoutMs: 5000 });
      } finally {
        await threaded.stop();
      }
      const model = await snapshotKeys(redis, 'backend:dev:');
      models.push(JSON.parse(JSON.stringify(model, (key, value) => (key === 'firstSeen' || key === 'lastSeen' ? 'ms' : value))));
    }
    const [batched, perReading] = models;
    // Scores of the meters index are arrival times; compare the members only.
    for (const model of models) {
      const meters = model['meters'] as { content: string[] };
      meters.content = meters.content.filter((_, i) => i % 2 === 0).sort();
    }
    expect(batched).toEqual(perReading);
    expect(Object.keys(batched!)).toContain(`energy:D704206000201:${NOV_1 - DAY}`);
  });
});
