import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerView } from '../../../core/app/broker-view.js';
import { startBroker, type Broker } from '../../../core/broker/broker.js';
import { loadOrCreateDemoCa, type DemoCa } from '../../../core/certificates/certificate-authority.js';
import { loadOrCreateServerCertificate } from '../../../core/certificates/server-certificate.js';
import { DeviceRegistry } from '../../../core/devices/device-registry.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { ApiClient } from '../../../core/api/api-client.js';
import { fakeBackend, startFakeServer, type FakeServer } from '../../helpers/fake-backend.js';
import { redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { jsonRequest } from '../../helpers/json-request.js';

const LIMITS = { maxPayloadBytes: 4096, maxTopicLevels: 8 };

let testRedis: TestRedis;
let redis: Redis;
let registry: DeviceRegistry;
let dir: TempDir;
let ca: DemoCa;
/** Loopback (anonymous clients allowed), with an MQTTS listener whose client certificates are optional and checked against the demo CA. */
let broker: Broker;
let fake: FakeServer;
let api: ApiClient;
const clients: MqttClient[] = [];
const processes: ChildProcess[] = [];

beforeAll(async () => {
  [testRedis, dir] = await Promise.all([startTestRedis(), makeTempDir('sw-broker-live-')]);
  redis = redisClient(testRedis.url);
  registry = new DeviceRegistry(redis, createKeySchema({ keyPrefix: '', namespace: 'sw-live-test' }));
  const certificates = join(dir.path, 'certificates');
  ca = await loadOrCreateDemoCa(certificates);
  const server = await loadOrCreateServerCertificate(certificates, ca, { hostnames: ['localhost'], addresses: ['127.0.0.1'] });
  broker = await startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, tls: { ...server, ca: ca.cert }, devices: registry, limits: LIMITS });
  fake = await startFakeServer(fakeBackend(brokerView(broker)));
  api = new ApiClient({ origin: fake.origin, token: fake.token });
});

afterEach(async () => {
  for (const child of processes.splice(0)) child.kill();
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

afterAll(async () => {
  await fake?.server.close();
  await broker?.close();
  await redis?.quit();
  await testRedis?.stop();
  await dir?.remove();
});

const tlsUrl = () => broker.listeners.find((listener) => listener.protocol === 'mqtts')!.url;
const unique = (name: string) => `${name}-${Math.random().toString(16).slice(2, 8)}`;

async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(client);
  return client;
}

const send = (method: string, path: string, body?: unknown) => jsonRequest(fake.origin, method, path, { body, token: fake.token });

describe('the broker\'s live view', () => {
  it('lists connected clients with address, protocol, TLS, certificate, device, since and messages in', async () => {
    const before = Date.now();
    const anonymous = await connect(broker.url, { clientId: unique('live-anon') });
    for (let index = 0; index < 3; index += 1) await anonymous.publishAsync('live/anon', `m${index}`, { qos: 1 });
    const meterId = unique('meter');
    const certificate = await ca.issueClientCertificate(meterId);
    await registry.register({ id: meterId, kind: 'meter', auth: 'certificate', certificateFingerprint: certificate.fingerprint });
    const meter = await connect(tlsUrl(), { clientId: meterId, cert: certificate.cert, key: certificate.key, ca: ca.cert });
    await meter.publishAsync(`meters/${meterId}/energy`, '[]', { qos: 1 });
    const subscriberId = unique('live-mosquitto');
    const subscriber = spawn('mosquitto_sub', ['-V', '5', '-h', '127.0.0.1', '-p', String(broker.port), '-i', subscriberId, '-t', 'live/#', '-W', '30'], { stdio: 'ignore' });
    processes.push(subscriber);

    const { clients: listed, total } = await waitUntil('mosquitto_sub to connect', async () => {
      const list = await api.brokerClients();
      return list.clients.some((client) => client.id === subscriberId) && list;
    });
    expect(total).toBe(3);
    const byId = new Map(listed.map((client) => [client.id, client]));
    expect(byId.get(anonymous.options.clientId!)).toEqual({
      id: anonymous.options.clientId,
      protocol: 'mqtt',
      address: '127.0.0.1',
      since: expect.any(Number),
      tls: false,
      certificateCn: null,
      deviceId: null,
      workbench: false,
      protocolVersion: 4,
      messagesIn: 3,
      lastMessageAt: expect.any(Number),
    });
    expect(byId.get(meterId)).toMatchObject({ protocol: 'mqtts', tls: true, certificateCn: meterId, deviceId: meterId, messagesIn: 1 });
    expect(byId.get(subscriberId)).toMatchObject({ protocol: 'mqtt', protocolVersion: 5, tls: false, messagesIn: 0, lastMessageAt: null });
    for (const client of listed) expect(client.since).toBeGreaterThanOrEqual(before);
    // Longest connected first.
    expect(listed.map((client) => client.id)).toEqual([anonymous.options.clientId, meterId, subscriberId]);
    expect((await api.brokerClients(1)).clients).toHaveLength(1);
  });

  it('lists each topic with its count, last payload, rate and per-second history', async () => {
    const publisher = await connect(broker.url);
    const topic = `live/${unique('rate')}/reading`;
    for (let index = 0; index < 20; index += 1) await publisher.publishAsync(topic, JSON.stringify({ n: index }), { qos: 1 });
    await publisher.publishAsync(`live/${unique('binary')}`, Buffer.from([0, 1, 2, 255]), { qos: 1 });
    // The rate counts complete seconds: wait for the one the messages arrived in to end.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const page = await api.brokerTopics('live/');
    const traffic = page.topics.find((entry) => entry.topic === topic)!;
    expect(traffic).toMatchObject({ messages: 20, lastPayload: { encoding: 'utf8', text: '{"n":19}', size: 8, truncated: false } });
    expect(traffic.recent.reduce((sum, count) => sum + count, 0)).toBe(20);
    expect(traffic.ratePerSecond).toBeGreaterThanOrEqual(2);
    expect(traffic.ratePerSecond).toBeLessThanOrEqual(20);
    expect(page.topics.find((entry) => entry.topic.startsWith('live/binary'))!.lastPayload).toEqual({ encoding: 'hex', text: '000102ff', size: 4, truncated: false });
    expect(page.topics.every((entry) => entry.topic.startsWith('live/'))).toBe(true);
    expect(page.topics.map((entry) => entry.topic)).toEqual([...page.topics.map((entry) => entry.topic)].sort());
    expect((await api.brokerTopics('', 10_000)).topics.some((entry) => entry.topic.startsWith('$SYS'))).toBe(false);
  });

  it('publishes a test message as the workbench that a real subscriber receives, retained when asked', async () => {
    const topic = `live/${unique('test')}/hello`;
    const subscriber = await connect(broker.url);
    const received = new Promise<{ payload: string; qos: number; retain: boolean }>((resolve) =>
      subscriber.on('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), qos: packet.qos, retain: packet.retain })),
    );
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const result = await api.publishTestMessage({ topic, payload: 'héllo', qos: 1, retain: true });
    expect(result).toEqual({ topic, size: 6, qos: 1, retain: true, at: expect.any(Number) });
    expect(await received).toEqual({ payload: 'héllo', qos: 1, retain: false });

    const late = await connect(broker.url);
    const retained = new Promise<boolean>((resolve) => late.on('message', (_topic, _payload, packet) => resolve(packet.retain)));
    await late.subscribeAsync(topic, { qos: 1 });
    expect(await retained).toBe(true);
    const [shown] = (await api.brokerTopics(topic)).topics;
    expect(shown).toMatchObject({ topic, messages: 1, lastPayload: { text: 'héllo', size: 6 } });
    // An empty retained message clears the retained one, as MQTT says.
    await api.publishTestMessage({ topic, payload: '', qos: 0, retain: true });
  });

  it('answers bad publish input with 400 and a clear reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ topic: 'a/+/b', payload: 'x' }, /^topic: a topic name may not contain the wildcards/],
      [{ topic: 'a/#', payload: 'x' }, /^topic: a topic name may not contain the wildcards/],
      [{ topic: '$SYS/broker/uptime', payload: 'x' }, /^topic: topics starting with "\$" \(\$SYS\/…\) are the broker's own$/],
      [{ topic: '', payload: 'x' }, /^topic: a topic may not be empty$/],
      [{ topic: 'a/b/c/d/e/f/g/h/i', payload: 'x' }, /^topic: topic has 9 levels, more than the broker allows \(8\)$/],
      [{ topic: 'x'.repeat(1025), payload: 'x' }, /^topic: a test topic may be at most 1024 characters$/],
      [{ topic: 'a', payload: 'x'.repeat(4097) }, /^payload: 4097 bytes is more than a test message may carry \(4096 bytes\)$/],
      [{ topic: 'a', payload: 'x', qos: 2 }, /^qos: must be 0 or 1/],
      [{ topic: 'a', payload: 'x', retain: 'yes' }, /^retain: /],
      [{ payload: 'x' }, /^topic: /],
      [{ topic: 'a' }, /^payload: /],
      [{ topic: 'a', payload: 'x', extra: 1 }, /extra/],
    ];
    for (const [body, reason] of cases) {
      const answer = await send('POST', '/api/broker/publish', body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((answer.body as { error: string }).error).toMatch(reason);
    }
    expect(await send('GET', '/api/broker/topics?limit=0')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^limit: /) } });
    expect(await send('GET', '/api/broker/clients?limit=many')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^limit: /) } });
  });

  // Last: it fills the topic map, so topics published after it are not tracked.
  it('tracks at most 10,000 topics and counts the messages on the rest', async () => {
    const { tracked: before } = await api.brokerTopics('', 1);
    const publisher = await connect(broker.url);
    const sprayed = 10_050;
    for (let index = 0; index < sprayed; index += 1) publisher.publish(`spray/${index}`, 'x', { qos: 0 });
    await publisher.publishAsync('spray/done', 'x', { qos: 1 });
    const page = await api.brokerTopics('spray/', 5);
    expect(page).toMatchObject({ tracked: 10_000, maxTopics: 10_000, untrackedMessages: before + sprayed + 1 - 10_000 });
    expect(page.topics).toHaveLength(5);
    expect(page.matched).toBe(10_000 - before);
    const [client] = (await api.brokerClients()).clients.filter((entry) => entry.id === publisher.options.clientId);
    expect(client!.messagesIn).toBe(sprayed + 1);
  });
});
