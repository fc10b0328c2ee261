import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../../core/bench/raw-mqtt-connection.js';
import { startIngestThreadPipeline, type IngestThreadPipeline } from '../../helpers/ingest-thread-pipeline.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * QoS 2 is "exactly once": a device that saw no PUBREC sends the publish again, flagged DUP, with
 * the same message id, and the broker must not deliver it twice. aedes recognises the resend only
 * after authorizePublish, where ingest takes messages, so ingest has to recognise it itself.
 */
describe('a QoS 2 publish sent again before its PUBREL', () => {
  let server: TestRedis;
  let redis: Redis;
  let pipeline: IngestThreadPipeline;
  let socket: Socket;
  const received: Packet[] = [];

  beforeAll(async () => {
    server = await startTestRedis();
    redis = redisClient(server.url);
    pipeline = await startIngestThreadPipeline(server.url);
    socket = await connectRaw({ url: pipeline.broker.url, clientId: 'qos2-device', keepaliveSeconds: 0 }, (packet) => received.push(packet));
  });
  afterAll(async () => {
    socket?.destroy();
    await pipeline?.stop();
    redis?.disconnect();
    await server?.stop();
  });

  const publish = (messageId: number, payload: string, dup: boolean) =>
    socket.write(mqttPacket.generate({ cmd: 'publish', topic: 'temp_readings', payload, qos: 2, messageId, dup, retain: false }));
  const pubrecs = (messageId: number) => received.filter((packet) => packet.cmd === 'pubrec' && packet.messageId === messageId).length;

  it('is written once and counted once, and each copy gets its PUBREC', async () => {
    const payload = JSON.stringify(devicePayload({ deviceId: 'qos2-once', temperature: 80 }));
    publish(7, payload, false);
    await waitUntil('the first PUBREC', () => pubrecs(7) === 1 || null);
    // PUBREC, like PUBACK, only once the reading is in Redis.
    expect((await climateCounters(redis)).total).toBe(1);
    publish(7, payload, true);
    await waitUntil('the PUBREC of the resend', () => pubrecs(7) === 2 || null);

    // A different message id is a different message: it is written.
    publish(8, JSON.stringify(devicePayload({ deviceId: 'qos2-second', temperature: 50 })), false);
    await waitUntil('the PUBREC of message 8', () => pubrecs(8) === 1 || null);

    expect((await climateCounters(redis)).total).toBe(2);
    expect(await redis.zcard('SensorData')).toBe(2);
  });
});
