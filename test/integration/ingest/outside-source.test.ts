import mqtt, { type MqttClient } from 'mqtt';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OutsideBroker } from '../../../core/broker/outside-broker.js';
import { configSchema } from '../../../core/config/schema.js';
import type { TopicRule } from '../../../core/domain/topic-rule.js';
import { IngestThread } from '../../../core/ingest/ingest-thread.js';
import { startMosquitto, type MosquittoProcess } from '../../helpers/mosquitto.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** Ingest subscribed per topic rule at a real mosquitto: overlapping rules, rule changes, acknowledgement after the write. */
let dir: TempDir;
let mosquitto: MosquittoProcess;
let testRedis: TestRedis;
let redis: Redis;
let publisher: MqttClient;
let running: { source: OutsideBroker; ingest: IngestThread } | null = null;
let clients = 0;

beforeAll(async () => {
  dir = await makeTempDir('sw-outside-source-');
  [mosquitto, testRedis] = await Promise.all([startMosquitto({ dir: dir.path }), startTestRedis()]);
  redis = redisClient(testRedis.url);
  publisher = mqtt.connect(mosquitto.url, { protocolVersion: 5 });
  await new Promise((resolve) => publisher.once('connect', resolve));
});

afterEach(async () => {
  if (!running) return;
  running.source.stopTaking();
  await running.ingest.stop();
  await running.source.close();
  running = null;
  await redis.flushall();
});

afterAll(async () => {
  publisher?.end(true);
  redis?.disconnect();
  await testRedis?.stop();
  await mosquitto?.stop();
  await dir?.remove();
});

/** As Stack.start wires role ingest with --mqtt-source: ingest subscribes first, then the source connects. */
async function startIngest(topicRules: TopicRule[]): Promise<{ source: OutsideBroker; ingest: IngestThread }> {
  const config = configSchema.parse({ energy: { udpPort: 0 } });
  clients += 1;
  const source = new OutsideBroker({
    url: mosquitto.url,
    clientId: `sw-outside-source-${process.pid}-${clients}`,
    // A group per test: a stopped test's session stays a member of its group and would take its share.
    shareGroup: `sw-test-${clients}`,
    sessionExpirySeconds: 60,
    receiveMaximum: 100,
    keepaliveSeconds: 30,
    log: () => undefined,
  });
  const ingest = await IngestThread.start({
    source,
    target: { url: testRedis.url },
    model: config.model,
    energy: config.energy,
    listenUdp: false,
    settings: { ...config.ingest, topicRules, shutdownFlushMs: 2000 },
    log: () => undefined,
  });
  await source.start();
  running = { source, ingest };
  return running;
}

const reading = (deviceId: string) => JSON.stringify(devicePayload({ deviceId, temperature: 90 }));

describe('ingest from an outside broker, one shared subscription per topic rule', () => {
  it('subscribes to every rule filter and writes a message that overlapping rules both match once, by the first rule', async () => {
    const { source, ingest } = await startIngest([
      { filter: 'temp_readings', handler: 'thermostat' },
      { filter: 'lab/ignored/#', handler: 'ignore' },
      { filter: '+', handler: 'json-hash' },
      { filter: 'lab/#', handler: 'json-hash' },
    ]);
    expect(source.status().subscriptions).toEqual(['temp_readings', 'lab/ignored/#', '+', 'lab/#'].map((filter) => `$share/sw-test-${clients}/${filter}`));
    // temp_readings comes through `temp_readings` and through `+`; only the thermostat rule writes it.
    await publisher.publishAsync('temp_readings', reading('overlap-1'), { qos: 1 });
    await publisher.publishAsync('room', JSON.stringify({ co2: 400 }), { qos: 1 });
    await publisher.publishAsync('lab/ignored/x', JSON.stringify({ a: 1 }), { qos: 1 });
    await publisher.publishAsync('lab/air', JSON.stringify({ o2: 21 }), { qos: 1 });
    await waitUntil('every copy acknowledged', () => source.status().acknowledged === 6);
    expect((await climateCounters(redis)).total).toBe(1);
    expect(await redis.hgetall('topic:room')).toEqual({ co2: '400' });
    expect(await redis.hgetall('topic:lab/air')).toEqual({ o2: '21' });
    expect(await redis.exists('topic:temp_readings', 'topic:lab/ignored/x')).toBe(0);
    expect(ingest.topicRules().rules.map(({ matched }) => matched)).toEqual([1, 1, 1, 1]);
  });

  it('follows a change of the topic rules: subscribes to the new filters and drops the old ones', async () => {
    const { source, ingest } = await startIngest([{ filter: 'temp_readings', handler: 'thermostat' }]);
    await ingest.setTopicRules([{ filter: 'plant/+/temp', handler: 'json-hash' }]);
    expect(source.status().subscriptions).toEqual([`$share/sw-test-${clients}/plant/+/temp`]);
    await publisher.publishAsync('temp_readings', reading('after-change'), { qos: 1 });
    await publisher.publishAsync('plant/7/temp', JSON.stringify({ celsius: 21 }), { qos: 1 });
    await waitUntil('the new rule wrote', async () => Object.keys(await redis.hgetall('topic:plant/7/temp')).length > 0);
    expect(await redis.zscore('SensorData', 'after-change')).toBeNull();
  });

  it('acknowledges a reading to the broker only once it is in Redis, and a rejected payload once it is dead-lettered', async () => {
    const { source } = await startIngest([{ filter: 'temp_readings', handler: 'thermostat' }]);
    // Redis holds every write for 1.5 s: the readings arrive, and nothing may be acknowledged meanwhile.
    await redis.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    await publisher.publishAsync('temp_readings', reading('acked-1'), { qos: 1 });
    await publisher.publishAsync('temp_readings', 'not json', { qos: 1 });
    await waitUntil('both delivered', () => source.status().received === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(source.status().acknowledged).toBe(0);
    await waitUntil('both acknowledged', () => source.status().acknowledged === 2);
    expect(await redis.zscore('SensorData', 'acked-1')).not.toBeNull();
    expect(await redis.llen('workbench:ingest:deadletters')).toBe(1);
  });
});
