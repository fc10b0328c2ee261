import type { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type IDisconnectPacket, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../../core/broker/broker.js';
import { DeviceRegistry } from '../../../core/devices/device-registry.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

const LIMITS = { maxPayloadBytes: 1024, maxTopicLevels: 8, maxMessagesPerSecond: 5, maxKeepaliveSeconds: 600 };
const DENIED = 'test/nosubscribe';

let testRedis: TestRedis;
let redis: Redis;
let registry: DeviceRegistry;
let broker: Broker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  testRedis = await startTestRedis();
  redis = redisClient(testRedis.url);
  registry = new DeviceRegistry(redis, createKeySchema({ keyPrefix: '', namespace: 'sw-mqtt5-test' }));
  broker = await startBroker({ host: '127.0.0.1', port: 0, devices: registry, limits: LIMITS, denySubscribe: [DENIED] });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

afterAll(async () => {
  await broker?.close();
  await redis?.quit();
  await testRedis?.stop();
});

const unique = (name: string) => `${name}-${Math.random().toString(16).slice(2, 8)}`;

async function registerMeter(): Promise<{ id: string; password: string }> {
  const id = unique('meter');
  const { password } = await registry.register({ id, kind: 'meter', auth: 'password' });
  return { id, password: password! };
}

async function connectAs(meter: { id: string; password: string }, protocolVersion: 4 | 5, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion, clientId: unique(meter.id), username: meter.id, password: meter.password, ...options });
  clients.push(client);
  return client;
}

/** The reason code of a QoS 1 publish's PUBACK: 0 for success, else the code mqtt.js rejects with. */
async function pubackCode(client: MqttClient, topic: string, payload: string): Promise<number> {
  try {
    await client.publishAsync(topic, payload, { qos: 1 });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

const refusalsOf = (clientId: string) => broker.refusals().recent.filter((refusal) => refusal.clientId === clientId);
const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));
const disconnectPacket = (client: MqttClient) => new Promise<IDisconnectPacket>((resolve) => client.once('disconnect', resolve));

describe('an MQTT 5 device is told why the broker refused, and stays connected where the specification lets it', () => {
  it('answers publishes over the rate limit with PUBACK 0x97 quota exceeded, keeps the connection, and counts each refusal', async () => {
    const meter = await registerMeter();
    const topic = `meters/${meter.id}/energy`;
    const client = await connectAs(meter, 5);
    const codes: number[] = [];
    for (let index = 0; index < 12; index += 1) codes.push(await pubackCode(client, topic, '[1]'));
    // A second's burst of 5 goes through; the rest of the same second is over the quota.
    expect(codes.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(codes.filter((code) => code === 0x97).length).toBeGreaterThanOrEqual(5);
    expect(codes.every((code) => code === 0 || code === 0x97)).toBe(true);
    expect(client.connected).toBe(true);
    const refused = refusalsOf(client.options.clientId!);
    expect(refused.length).toBe(codes.filter((code) => code === 0x97).length);
    expect(refused[0]).toMatchObject({ action: 'publish', deviceId: meter.id, topic, code: 'limit-exceeded', answer: 'PUBACK 0x97 quota exceeded' });
    // The same connection publishes again once the second is over.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await pubackCode(client, topic, '[2]')).toBe(0);
  });

  it('disconnects a 3.1.1 client over the rate limit, as before', async () => {
    const meter = await registerMeter();
    const client = await connectAs(meter, 4);
    const gone = closed(client);
    for (let index = 0; index < 12; index += 1) client.publish(`meters/${meter.id}/energy`, '[1]', { qos: 1 });
    await gone;
    expect(refusalsOf(client.options.clientId!)[0]).toMatchObject({ code: 'limit-exceeded', answer: 'disconnected' });
  });

  it('answers a publish under another device\'s topic with PUBACK 0x87 not authorized, delivers nothing, and keeps the connection', async () => {
    const [meter, other] = [await registerMeter(), await registerMeter()];
    const foreign = `meters/${other.id}/energy`;
    const delivered: string[] = [];
    const stop = await broker.subscribe(foreign, (message, done) => {
      delivered.push(message.payload.toString());
      done();
    });
    try {
      const client = await connectAs(meter, 5);
      expect(await pubackCode(client, foreign, '[1]')).toBe(0x87);
      expect(await pubackCode(client, `meters/${meter.id}/energy`, '[2]')).toBe(0);
      expect(client.connected).toBe(true);
      expect(delivered).toEqual([]);
      expect(refusalsOf(client.options.clientId!)).toEqual([
        expect.objectContaining({ action: 'publish', topic: foreign, code: 'publish-not-allowed', answer: 'PUBACK 0x87 not authorized' }),
      ]);
    } finally {
      await stop();
    }
  });

  it('answers a subscription outside the device\'s filters and one on the deny list with SUBACK 0x87 (3.1.1: 0x80), the client staying connected', async () => {
    const meter = await registerMeter();
    const v5 = await connectAs(meter, 5);
    await expect(v5.subscribeAsync('meters/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x87] } });
    const v3 = await connectAs(meter, 4);
    await expect(v3.subscribeAsync('meters/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x80] } });
    expect(v5.connected && v3.connected).toBe(true);

    const anonymous = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5 });
    clients.push(anonymous);
    await expect(anonymous.subscribeAsync(DENIED, { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x87] } });
    expect(refusalsOf(anonymous.options.clientId!)).toEqual([
      expect.objectContaining({ action: 'subscribe', topic: DENIED, code: 'subscribe-not-allowed', answer: 'SUBACK 0x87 not authorized' }),
    ]);
  });

  it('answers a payload over the limit with DISCONNECT 0x95 packet too large and the reason, and counts it', async () => {
    const meter = await registerMeter();
    const client = await connectAs(meter, 5);
    const told = disconnectPacket(client);
    const gone = closed(client);
    client.publish(`meters/${meter.id}/energy`, 'x'.repeat(LIMITS.maxPayloadBytes + 1), { qos: 1 });
    const packet = await told;
    await gone;
    expect(packet.reasonCode).toBe(0x95);
    expect(packet.properties?.reasonString).toContain('larger than the broker allows');
    await waitUntil('the refusal to be counted', () => refusalsOf(client.options.clientId!).length === 1);
    expect(refusalsOf(client.options.clientId!)[0]).toMatchObject({ code: 'limit-exceeded', answer: 'DISCONNECT 0x95 packet too large' });
  });
});
