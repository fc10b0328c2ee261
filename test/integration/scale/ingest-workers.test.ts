import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyClimate } from '../../../core/model/climate.js';
import { startMosquitto, type MosquittoProcess } from '../../helpers/mosquitto.js';
import { freePort } from '../../helpers/free-port.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startRedisServer, type RedisServerProcess } from '../../helpers/redis-server-process.js';
import { runCliInOneProcess, type CliProcess } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

const PUBLISHERS = 4;
const READINGS_EACH = 5000;
const READINGS = PUBLISHERS * READINGS_EACH;
/** Each publisher sends BURST readings every BURST_EVERY_MS: 5,000 readings/s in all, a stream of about 4 s. */
const BURST = 10;
const BURST_EVERY_MS = 8;
/** The workers' --mqtt-receive-maximum (the default): at most this many taken and not acknowledged when one is killed. */
const RECEIVE_MAXIMUM = 1000;

/**
 * Two `serve --role ingest` processes behind a real mosquitto, sharing its messages through one
 * shared subscription, into one redis-server; one is killed with SIGKILL mid-stream and started
 * again on its data dir (so with its client id, and its session).
 */
let redis: RedisServerProcess;
let mosquitto: MosquittoProcess;
const dirs: TempDir[] = [];
let brokerDir: TempDir;
let redisDir: TempDir;
const workers: Array<CliProcess | null> = [null, null];
const publishers: MqttClient[] = [];

function workerArgs(dataDir: string): string[] {
  return ['serve', '--role', 'ingest', '--data-dir', dataDir, '--redis-url', redis.url, '--mqtt-source', mosquitto.url, '--mqtt-receive-maximum', String(RECEIVE_MAXIMUM)];
}

async function startWorker(index: number): Promise<CliProcess> {
  const worker = runCliInOneProcess(workerArgs(dirs[index]!.path));
  workers[index] = worker;
  await worker.ready(60_000);
  return worker;
}

/** SIGTERM, and the figures its outside broker logged on the way out. */
async function stopWorker(index: number): Promise<{ received: number; redelivered: number; stderr: string }> {
  const worker = workers[index]!;
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  workers[index] = null;
  const stderr = worker.stderr();
  const line = /received (\d+) \((\d+) redelivered\)/.exec(stderr);
  if (!line) throw new Error(`no figures in the worker's log: ${stderr}`);
  return { received: Number(line[1]), redelivered: Number(line[2]), stderr };
}

beforeAll(async () => {
  [brokerDir, redisDir] = await Promise.all([makeTempDir('sw-scale-mosquitto-'), makeTempDir('sw-scale-redis-')]);
  dirs.push(await makeTempDir('sw-worker-a-'), await makeTempDir('sw-worker-b-'));
  [redis, mosquitto] = await Promise.all([startRedisServer({ port: await freePort(), dir: redisDir.path, appendonly: false }), startMosquitto({ dir: brokerDir.path })]);
  await Promise.all([startWorker(0), startWorker(1)]);
}, 90_000);

afterAll(async () => {
  for (const publisher of publishers) publisher.end(true);
  for (const worker of workers) await worker?.kill();
  await mosquitto?.stop();
  await redis?.stop();
  for (const dir of [...dirs, brokerDir, redisDir]) await dir?.remove();
});

interface Publisher {
  client: MqttClient;
  acknowledged: Set<string>;
}

function startPublisher(name: string): Promise<Publisher> {
  const client = mqtt.connect(mosquitto.url, { clientId: name, protocolVersion: 5, clean: true, reconnectPeriod: 200 });
  publishers.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ client, acknowledged: new Set() }));
    client.once('error', reject);
  });
}

/** The temperature of reading `index`: 1…110 round and round, so every climate gets its share. */
const temperatureOf = (index: number) => 1 + (index % 110);

function publishStream({ client, acknowledged }: Publisher, name: string): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const timer = setInterval(() => {
      for (let burst = 0; burst < BURST && next < READINGS_EACH; burst++, next++) {
        const deviceId = `${name}-${next}`;
        const payload = JSON.stringify(devicePayload({ deviceId, temperature: temperatureOf(next) }));
        client.publish('temp_readings', payload, { qos: 1 }, (error) => {
          if (!error) acknowledged.add(deviceId);
        });
      }
      if (next === READINGS_EACH) {
        clearInterval(timer);
        resolve();
      }
    }, BURST_EVERY_MS);
  });
}

describe('two ingest workers behind mosquitto, one killed with SIGKILL mid-stream', () => {
  it('has every reading mosquitto acknowledged in Redis, the climate counters add up, and the duplicates stay within the receive maximum', async () => {
    const names = Array.from({ length: PUBLISHERS }, (_, index) => `fleet-${index}`);
    const streaming = await Promise.all(names.map((name) => startPublisher(name)));
    const streams = streaming.map((publisher, index) => publishStream(publisher, names[index]!));
    const check = redisClient(redis.url);
    try {
      await waitUntil('a quarter of the readings in Redis', async () => (await check.zcard('SensorData')) >= READINGS / 4, { timeoutMs: 30_000, intervalMs: 20 });
      const killed = workers[0]!;
      killed.child.kill('SIGKILL');
      expect((await killed.exited).signal).toBe('SIGKILL');
      const inRedisAtKill = await check.zcard('SensorData');
      const acknowledgedAtKill = streaming.reduce((sum, { acknowledged }) => sum + acknowledged.size, 0);
      // Started again on its data dir: the same client id, so mosquitto hands it back its session.
      const restarted = await startWorker(0);
      expect(restarted.stderr()).toMatch(/the broker kept its session/);

      await Promise.all(streams);
      await waitUntil('mosquitto acknowledged every reading', () => streaming.every(({ acknowledged }) => acknowledged.size === READINGS_EACH), { timeoutMs: 30_000 });
      await waitUntil('every reading in Redis', async () => (await check.zcard('SensorData')) === READINGS, { timeoutMs: 60_000, intervalMs: 100 });

      const all = streaming.flatMap(({ acknowledged }) => [...acknowledged]);
      expect(all).toHaveLength(READINGS);
      const scores = await check.zmscore('SensorData', ...all);
      expect(all.filter((_, index) => scores[index] === null)).toEqual([]);

      // Each reading counts once in its climate, and once more for every time it was written again.
      const expected = { hot: 0, warm: 0, cool: 0, cold: 0 };
      for (let index = 0; index < READINGS_EACH; index++) expected[classifyClimate(temperatureOf(index))] += PUBLISHERS;
      const counters = await climateCounters(check);
      const duplicates = counters.total - READINGS;
      for (const climate of ['hot', 'warm', 'cool', 'cold'] as const) {
        expect(counters[climate]).toBeGreaterThanOrEqual(expected[climate]);
        expect(counters[climate]).toBeLessThanOrEqual(expected[climate] + duplicates);
      }
      expect(duplicates).toBeGreaterThanOrEqual(0);
      expect(duplicates).toBeLessThanOrEqual(RECEIVE_MAXIMUM);

      const [again, survivor] = [await stopWorker(0), await stopWorker(1)];
      // A reading written twice was delivered twice: the second time with DUP set, to the restarted worker.
      expect(again.redelivered).toBeGreaterThanOrEqual(duplicates);
      expect(again.redelivered).toBeLessThanOrEqual(RECEIVE_MAXIMUM);
      expect(survivor.redelivered).toBe(0);
      expect(survivor.received).toBeGreaterThan(0);
      expect(again.received).toBeGreaterThan(0);
      console.log(
        `2 workers, SIGKILL mid-stream: ${acknowledgedAtKill} of ${READINGS} acknowledged by mosquitto and ${inRedisAtKill} in Redis at the kill; ` +
          `all ${READINGS} in Redis at the end; ${duplicates} written twice, ${again.redelivered} redelivered to the restarted worker ` +
          `(bound: receive maximum ${RECEIVE_MAXIMUM}); after the restart it took ${again.received}, the survivor ${survivor.received} in all`,
      );
    } finally {
      check.disconnect();
    }
  }, 120_000);
});

describe('an MQTT 5 device publishing to mosquitto', () => {
  it('reaches Redis through a worker (mosquitto_pub -V 5, QoS 1, with a user property)', async () => {
    // Both again: mosquitto keeps handing a stopped worker's session its share, which waits for it.
    await Promise.all([startWorker(0), startWorker(1)]);
    const reading = JSON.stringify({ deviceId: 'mqtt5-device', temperature: 91, deviceIP: '10.0.0.5', humidity: 40 });
    await run('mosquitto_pub', ['-V', '5', '-h', '127.0.0.1', '-p', String(mosquitto.port), '-q', '1', '-t', 'temp_readings', '-D', 'publish', 'user-property', 'site', 'lab', '-m', reading], { timeout: 10_000 });
    const check = redisClient(redis.url);
    try {
      const fields = await waitUntil('the device hash', async () => {
        const hash = await check.hgetall('mqtt5-device');
        return Object.keys(hash).length > 0 ? hash : null;
      });
      expect(fields).toMatchObject({ temperature: '91', humidity: '40', deviceIP: '10.0.0.5', climate: 'hot' });
      expect(await check.zscore('SensorData', 'mqtt5-device')).not.toBeNull();
    } finally {
      check.disconnect();
    }
  });
});
