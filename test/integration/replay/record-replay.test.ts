import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { ReplayStatus } from '../../../core/api/replay.js';
import { meterReading } from '../../helpers/meter-readings.js';
import { connectPublisher } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * Record and replay on the real stack (aedes, ingest worker, embedded redis-server): 10,000
 * messages published by real mqtt.js devices are recorded, then replayed at 100× under the replay
 * key prefix. Every count lands there as it did in the live keys, in the same order, and the live
 * keys do not move.
 */

const THERMOSTATS = 9000;
const METER_PAYLOADS = 1000;
const DEVICES = 40;
const METERS = ['D704206100001', 'D704206100002', 'D704206100003', 'D704206100004'];
const PREFIX = 'replay:';

let env: TestStack;
let client: ApiClient;
let redis: Redis;
const devices: MqttClient[] = [];

beforeAll(async () => {
  // Two devices publishing 5,000 messages each in ~3 s: over the default 2,000/s per client, which this test is not about.
  env = await startTestStack({ config: { mqtt: { maxMessagesPerSecond: 100_000 } } });
  client = new ApiClient({ origin: env.origin, token: env.token });
  redis = redisClient(env.redisUrl);
});

afterAll(async () => {
  await Promise.all(devices.map((device) => device.endAsync()));
  redis?.disconnect();
  await env?.stop();
});

/** Publishes `count` messages from `make` at QoS 1, at most `window` unacknowledged, about `perSecond` a second. */
async function publishPaced(device: MqttClient, count: number, perSecond: number, make: (index: number) => { topic: string; payload: string }): Promise<void> {
  const started = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let index = 0; index < count; index += 1) {
    const { topic, payload } = make(index);
    pending.push(device.publishAsync(topic, payload, { qos: 1 }));
    if (index % 100 === 99) {
      const due = started + ((index + 1) / perSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await Promise.all(pending);
}

async function replayEnds(): Promise<ReplayStatus> {
  return waitUntil('the replay to end', async () => {
    const status = await client.replay();
    return status.state === 'finished' || status.state === 'failed' || status.state === 'stopped' ? status : null;
  }, { timeoutMs: 60_000, intervalMs: 50 });
}

/** Every device hash's fields as ingest left them, but the request id (a fresh one per write). */
async function deviceHashes(prefix: string): Promise<Record<string, Record<string, string>>> {
  const hashes: Record<string, Record<string, string>> = {};
  for (let id = 1; id <= DEVICES; id += 1) {
    const { requestId: _requestId, timestamp: _timestamp, ...fields } = await redis.hgetall(`${prefix}${id}`);
    hashes[id] = fields;
  }
  return hashes;
}

async function bucketLists(namespace: string): Promise<Record<string, string[]>> {
  const lists: Record<string, string[]> = {};
  for (const meter of METERS) {
    for (const bucket of await redis.zrange(`${namespace}:devices:${meter}:buckets`, 0, -1)) {
      lists[`${meter}:${bucket}`] = await redis.lrange(`${namespace}:energy:${meter}:${bucket}`, 0, -1);
    }
  }
  return lists;
}

describe('record 10,000 messages, replay them at 100×', () => {
  const base = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 10 * 86_400;

  it('records every message the devices publish, with its time, topic, QoS, retain flag, payload and client id', async () => {
    const started = await client.startRecording({ name: 'ten-thousand' });
    expect(started).toMatchObject({ name: 'ten-thousand', filter: '#', messages: 0, stopReason: null });
    const thermostats = await connectPublisher(env.mqttUrl, 'thermostat-bank');
    const meters = await connectPublisher(env.mqttUrl, 'meter-gateway');
    devices.push(thermostats, meters);
    await Promise.all([
      publishPaced(thermostats, THERMOSTATS, 3000, (index) => ({
        topic: 'temp_readings',
        payload: JSON.stringify({ deviceId: (index % DEVICES) + 1, temperature: (index * 7) % 110, humidity: (index * 13) % 100, deviceIP: `10.0.${index % 250}.1` }),
      })),
      publishPaced(meters, METER_PAYLOADS, 333, (index) => ({
        topic: `meters/${METERS[index % METERS.length]}/energy`,
        payload: JSON.stringify([meterReading(base + Math.floor(index / METERS.length) * 300, index % 7)]),
      })),
    ]);
    const recording = await waitUntil('10,000 messages recorded', async () => {
      const { active } = await client.recordings();
      return active && active.messages >= THERMOSTATS + METER_PAYLOADS ? active : null;
    });
    expect(recording.dropped).toBe(0);
    const stopped = await client.stopRecording();
    expect(stopped).toMatchObject({ messages: THERMOSTATS + METER_PAYLOADS, stopReason: 'stopped', dropped: 0 });

    const view = await client.recordings();
    expect(view.active).toBeNull();
    expect(view.files).toEqual([expect.objectContaining({ name: 'ten-thousand', messages: 10_000, origin: 'recording', filter: '#', recording: false })]);
    const file = await readFile(join(view.directory, 'ten-thousand.ndjson'), 'utf8');
    const lines = file.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(10_000);
    expect(view.files[0]!.bytes).toBe(Buffer.byteLength(file));
    expect(lines[0]).toEqual({ time: expect.any(Number), topic: expect.any(String), qos: 1, retain: false, clientId: expect.stringMatching(/^(thermostat-bank|meter-gateway)$/), encoding: 'utf8', payload: expect.any(String) });
    expect(lines.filter((line) => line.topic === 'temp_readings')).toHaveLength(THERMOSTATS);
    expect(view.files[0]!.firstAt).toBe(lines[0]!.time);
    expect(view.files[0]!.lastAt).toBe(lines.at(-1)!.time);
  });

  it('replays them at 100× under the replay prefix: the same counts, in the same order, and the live keys stay as they were', async () => {
    await waitUntil('ingest to have written the live readings', async () => {
      const { figures } = await client.status();
      return figures.ingest.written === THERMOSTATS && figures.ingest.meterReadingsWritten === METER_PAYLOADS;
    });
    const live = {
      climate: await climateCounters(redis),
      events: await redis.zcard('SensorData'),
      hashes: await deviceHashes(''),
      buckets: await bucketLists('backend:dev'),
    };
    expect(live.climate.total).toBe(THERMOSTATS);
    expect(Object.values(live.buckets).flat()).toHaveLength(METER_PAYLOADS);

    const { files } = await client.recordings();
    const span = files[0]!.lastAt! - files[0]!.firstAt!;
    const startedAt = performance.now();
    const started = await client.startReplay({ source: { kind: 'file', name: 'ten-thousand' }, speed: 100 });
    expect(started).toMatchObject({ state: expect.stringMatching(/^(preparing|playing)$/), keys: 'prefix', keyPrefix: PREFIX, speed: 100 });
    const ended = await replayEnds();
    const tookMs = performance.now() - startedAt;
    expect(ended).toMatchObject({ state: 'finished', published: 10_000, acknowledged: 10_000, total: 10_000, progress: 1, error: null, target: 'the bundled broker (in-process)' });
    expect(ended.skipped.total).toBe(0);
    // At 100× the ~3.3 s recording takes at least a hundredth of it.
    expect(tookMs).toBeGreaterThanOrEqual(span / 100 - 5);

    expect(await climateCounters(redis, PREFIX)).toEqual(live.climate);
    expect(await redis.zcard(`${PREFIX}SensorData`)).toBe(live.events);
    // Each device hash holds its last reading: equal only if every device's readings came in the same order.
    expect(await deviceHashes(PREFIX)).toEqual(live.hashes);
    // The bucket lists hold every reading in arrival order.
    expect(await bucketLists(`${PREFIX}backend:dev`)).toEqual(live.buckets);

    expect(await climateCounters(redis)).toEqual(live.climate);
    expect(await bucketLists('backend:dev')).toEqual(live.buckets);
  });

  it('shows the replay keys on every page through the replay connection', async () => {
    const { connections } = await client.connections();
    expect(connections.map(({ id, builtIn }) => ({ id, builtIn }))).toEqual(expect.arrayContaining([{ id: 'workbench', builtIn: true }, { id: 'workbench-replay', builtIn: true }]));
    await client.activateConnection('workbench-replay');
    try {
      const { counters } = await client.climate();
      expect(counters.hot + counters.warm + counters.cool + counters.cold).toBe(THERMOSTATS);
      const meters = await client.meters();
      expect(meters.meters.map((meter) => meter.deviceId).sort()).toEqual(METERS);
    } finally {
      await client.activateConnection('workbench');
    }
  });

  it('clears the replay keys, and nothing else', async () => {
    const liveKeys = (await redis.keys('*')).filter((key) => !key.startsWith(PREFIX)).sort();
    const cleared = await client.clearReplayKeys();
    expect(cleared.deleted).toBeGreaterThan(DEVICES);
    expect(await redis.keys(`${PREFIX}*`)).toEqual([]);
    expect((await redis.keys('*')).sort()).toEqual(liveKeys);
  });

  it('replays into the live keys when asked: the counts add to the live ones', async () => {
    const before = await climateCounters(redis);
    await client.startReplay({ source: { kind: 'file', name: 'ten-thousand' }, speed: 10_000, keys: 'live' });
    expect(await replayEnds()).toMatchObject({ state: 'finished', published: 10_000, keys: 'live' });
    await waitUntil('the live readings', async () => (await climateCounters(redis)).total === before.total + THERMOSTATS);
    expect(await redis.keys(`${PREFIX}*`)).toEqual([]);
  });

  it('downloads a recording as it is on disk and deletes it', async () => {
    const { files, directory } = await client.recordings();
    const response = await fetch(client.recordingDownloadUrl('ten-thousand'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="ten-thousand.ndjson"');
    expect(await response.text()).toBe(await readFile(join(directory, 'ten-thousand.ndjson'), 'utf8'));
    expect(files).toHaveLength(1);
    await client.deleteRecording('ten-thousand');
    expect((await client.recordings()).files).toEqual([]);
    await expect(client.deleteRecording('ten-thousand')).rejects.toMatchObject({ status: 404 });
  });
});
