import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { meterReadings } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

/** 2026-11-01 00:00:00 UTC, a bucket boundary. */
const NOV_1 = 1_793_491_200;

let server: TestRedis;
let redis: Redis;
let pipeline: IngestPipeline;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  pipeline = await startIngestPipeline(server.url);
});

afterAll(async () => {
  await pipeline?.stop();
  redis?.disconnect();
  await server?.stop();
});

const port = () => new URL(pipeline.broker.url).port;

/** A device hash without its requestId, which is unique per reading. */
async function deviceHash(deviceId: string): Promise<Record<string, string>> {
  const { requestId: _unique, ...fields } = await waitUntil(`the hash of ${deviceId}`, async () => {
    const hash = await redis.hgetall(deviceId);
    return Object.keys(hash).length > 0 ? hash : null;
  });
  return fields;
}

describe('MQTT 5 publishers through the bundled broker into Redis', () => {
  it('stores a thermostat reading from mosquitto_pub -V 5 (with a user property and content type) exactly as a 3.1.1 one', async () => {
    const reading = { temperature: 88, humidity: 41, deviceIP: '10.9.9.9', timestamp: 1_750_000_000_000 };
    const publish = (version: string, deviceId: string, ...extra: string[]) =>
      run('mosquitto_pub', ['-V', version, '-h', '127.0.0.1', '-p', port(), '-q', '1', '-t', 'temp_readings', '-m', JSON.stringify({ deviceId, ...reading }), ...extra], { timeout: 10_000 });
    await publish('311', 'v311-thermo');
    await publish('5', 'v5-thermo', '-D', 'publish', 'user-property', 'site', 'lab', '-D', 'publish', 'content-type', 'application/json');
    const [v311, v5] = [await deviceHash('v311-thermo'), await deviceHash('v5-thermo')];
    expect(v5).toEqual(v311);
    expect(v5).toEqual({ temperature: '88', humidity: '41', deviceIP: '10.9.9.9', climate: 'hot', timestamp: '1750000000000' });
    expect(Number(await redis.zscore('SensorData', 'v5-thermo'))).toBe(reading.timestamp);
  });

  it('stores a meter\'s document array from an mqtt.js client with protocolVersion 5 in its energy bucket', async () => {
    const deviceId = 'D704206005555';
    const readings = meterReadings(NOV_1, 3);
    const client = await mqtt.connectAsync(pipeline.broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await client.publishAsync(`meters/${deviceId}/energy`, JSON.stringify(readings), { qos: 1, properties: { contentType: 'application/json', userProperties: { firmware: '1.2' } } });
    } finally {
      await client.endAsync();
    }
    const bucket = `backend:dev:energy:${deviceId}:${NOV_1}`;
    await waitUntil('the readings in their bucket', async () => (await redis.llen(bucket)) === readings.length);
    expect(await redis.lrange(bucket, 0, -1)).toEqual(readings.map((reading) => JSON.stringify(reading)));
  });

  it('sends an MQTT 5 client the reading back with its properties, as a subscriber sees it', async () => {
    const subscriber = await mqtt.connectAsync(pipeline.broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      const received = new Promise<{ userProperties?: unknown; contentType?: string }>((resolve) => subscriber.once('message', (_topic, _payload, packet) => resolve(packet.properties ?? {})));
      await subscriber.subscribeAsync('temp_readings', { qos: 1 });
      const payload = JSON.stringify(devicePayload({ deviceId: 'v5-echo' }));
      await run('mosquitto_pub', ['-V', '5', '-h', '127.0.0.1', '-p', port(), '-q', '1', '-t', 'temp_readings', '-m', payload, '-D', 'publish', 'user-property', 'site', 'lab', '-D', 'publish', 'content-type', 'application/json'], { timeout: 10_000 });
      expect(await received).toMatchObject({ userProperties: { site: 'lab' }, contentType: 'application/json' });
      // The Broker page's topic view shows them with the topic's last message.
      const { topics } = pipeline.broker.topics('temp_readings', 10);
      expect(topics[0]!.lastProperties).toEqual({
        contentType: 'application/json',
        payloadFormat: null,
        responseTopic: null,
        correlationData: null,
        userProperties: [['site', 'lab']],
        messageExpirySeconds: null,
      });
    } finally {
      await subscriber.endAsync();
    }
  });
});
