import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startRedisServer, type RedisServerProcess } from '../../helpers/redis-server-process.js';
import { runCliInOneProcess, type CliProcess } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const PUBLISHERS = 3;
const READINGS_EACH = 1500;
/** Each publisher's pace; the kill lands while every one of them is mid-stream. */
const PUBLISH_EVERY_MS = 2;

/**
 * A device that keeps its unacknowledged QoS 1 publishes and sends them again when it reconnects,
 * as mqtt.js does; it notes which readings the broker acknowledged.
 */
interface Device {
  client: MqttClient;
  acknowledged: Set<string>;
  sent: string[];
}

function startDevice(url: string, name: string): Promise<Device> {
  const client = mqtt.connect(url, { clientId: name, clean: false, reconnectPeriod: 200, connectTimeout: 5000 });
  const device: Device = { client, acknowledged: new Set(), sent: [] };
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(device));
    client.once('error', reject);
  });
}

function publishStream(device: Device, name: string): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const timer = setInterval(() => {
      for (let burst = 0; burst < 3 && next < READINGS_EACH; burst++, next++) {
        const deviceId = `${name}-${next}`;
        device.sent.push(deviceId);
        device.client.publish('temp_readings', JSON.stringify(devicePayload({ deviceId, temperature: 20 + (next % 60) })), { qos: 1 }, (error) => {
          if (!error) device.acknowledged.add(deviceId);
        });
      }
      if (next === READINGS_EACH) {
        clearInterval(timer);
        resolve();
      }
    }, PUBLISH_EVERY_MS);
  });
}

let redis: RedisServerProcess;
let dataDir: TempDir;
let redisDir: TempDir;
let serve: CliProcess | null = null;
const devices: Device[] = [];

beforeAll(async () => {
  redisDir = await makeTempDir('sw-kill-redis-');
  redis = await startRedisServer({ port: await freePort(), dir: redisDir.path, appendonly: true });
  dataDir = await makeTempDir('sw-kill-');
});

afterAll(async () => {
  for (const device of devices) device.client.end(true);
  await serve?.kill();
  await redis?.stop();
  await redisDir?.remove();
  await dataDir?.remove();
});

describe('serve --redis-url killed with SIGKILL while QoS 1 publishers stream into it', () => {
  it('has every reading it acknowledged in Redis after the restart, and takes the rest from the publishers again', async () => {
    const mqttPort = await freePort();
    const args = ['serve', '--data-dir', dataDir.path, '--redis-url', redis.url, '--mqtt-port', String(mqttPort), '--http-port', '0', '--udp-port', '0', '--emulate', 'none'];
    // One process whose parent is this test, so that once killed it is reaped rather than left a zombie that seems to hold the data dir's lock.
    serve = runCliInOneProcess(args);
    const { mqtt: brokerUrl } = await serve.ready();
    const names = Array.from({ length: PUBLISHERS }, (_, index) => `killed-${index}`);
    devices.push(...(await Promise.all(names.map((name) => startDevice(brokerUrl, name)))));
    const streams = devices.map((device, index) => publishStream(device, names[index]!));

    await waitUntil('a third of the readings acknowledged', () => devices.every((device) => device.acknowledged.size > READINGS_EACH / 3), { timeoutMs: 20_000 });
    await serve.kill();
    await serve.exited;
    serve = null;
    const acknowledgedAtKill = devices.flatMap((device) => [...device.acknowledged]);
    const sentAtKill = devices.reduce((sum, device) => sum + device.sent.length, 0);

    const check = redisClient(redis.url);
    try {
      // Before anything restarts: every acknowledged reading is in Redis already.
      const scores = await check.zmscore('SensorData', ...acknowledgedAtKill);
      expect(acknowledgedAtKill.filter((_, index) => scores[index] === null)).toEqual([]);

      serve = runCliInOneProcess(args);
      await serve.ready();
      await Promise.all(streams);
      await waitUntil('every reading acknowledged after the restart', () => devices.every((device) => device.acknowledged.size === READINGS_EACH), { timeoutMs: 30_000 });
      const all = names.flatMap((name) => Array.from({ length: READINGS_EACH }, (_, index) => `${name}-${index}`));
      const stored = await check.zmscore('SensorData', ...all);
      expect(all.filter((_, index) => stored[index] === null)).toEqual([]);
      console.log(`SIGKILL mid-stream: ${acknowledgedAtKill.length} of ${sentAtKill} sent readings acknowledged at the kill, all in Redis; all ${all.length} in Redis after the restart`);
    } finally {
      check.disconnect();
    }
  });
});
