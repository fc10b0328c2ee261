import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startBroker, type Broker } from '../../../core/broker/broker.js';
import { loadOrCreateDemoCa, type DemoCa } from '../../../core/certificates/certificate-authority.js';
import { loadOrCreateServerCertificate } from '../../../core/certificates/server-certificate.js';
import { DeviceRegistry } from '../../../core/devices/device-registry.js';
import { ThermostatEmulator } from '../../../core/emulator/thermostat-emulator.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/test-certificates.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

const LIMITS = { maxPayloadBytes: 1024, maxTopicLevels: 8, maxMessagesPerSecond: 50, maxKeepaliveSeconds: 600 };

let testRedis: TestRedis;
let redis: Redis;
let registry: DeviceRegistry;
let dir: TempDir;
let ca: DemoCa;
let otherCerts: TestCertificates;
/** Bound to loopback (anonymous clients allowed there), with MQTTS and WSS whose client certificates are optional and checked against the demo CA. */
let broker: Broker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  [testRedis, dir, otherCerts] = await Promise.all([startTestRedis(), makeTempDir('sw-broker-auth-'), makeTestCertificates()]);
  redis = redisClient(testRedis.url);
  registry = new DeviceRegistry(redis, createKeySchema({ keyPrefix: '', namespace: 'sw-auth-test' }));
  const certificates = join(dir.path, 'certificates');
  ca = await loadOrCreateDemoCa(certificates);
  const server = await loadOrCreateServerCertificate(certificates, ca, { hostnames: ['localhost'], addresses: ['127.0.0.1'] });
  broker = await startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, wssPort: 0, tls: { ...server, ca: ca.cert }, devices: registry, limits: LIMITS });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

afterAll(async () => {
  await broker?.close();
  await redis?.quit();
  await testRedis?.stop();
  await dir?.remove();
  await otherCerts?.remove();
});

const portOf = (target: Broker, protocol: 'mqtt' | 'mqtts' | 'wss') => String(target.listeners.find((listener) => listener.protocol === protocol)!.port);
const unique = (name: string) => `${name}-${Math.random().toString(16).slice(2, 8)}`;

async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(client);
  return client;
}

/** Payloads the broker delivers in-process on topic, as ingest receives them. */
async function collect(target: Broker, topic: string): Promise<{ payloads: string[]; stop: () => Promise<void> }> {
  const payloads: string[] = [];
  const stop = await target.subscribe(topic, (message, done) => {
    payloads.push(message.payload.toString());
    done();
  });
  return { payloads, stop };
}

async function registerMeter(): Promise<{ id: string; password: string }> {
  const id = unique('meter');
  const { password } = await registry.register({ id, kind: 'meter', auth: 'password' });
  return { id, password: password! };
}

const refusalsOf = (target: Broker, clientId: string) => target.refusals().recent.filter((refusal) => refusal.clientId === clientId);
const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

describe('a broker that authenticates devices from the registry in Redis', () => {
  it('carries a password device\'s mosquitto_pub under its own topic and notes where it connected from', async () => {
    const meter = await registerMeter();
    const topic = `meters/${meter.id}/energy`;
    const inProcess = await collect(broker, topic);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(broker, 'mqtt'), '-u', meter.id, '-P', meter.password, '-q', '1', '-t', topic, '-m', '[1]'], { timeout: 10_000 });
    await waitUntil('the reading to arrive', () => inProcess.payloads.length === 1);
    expect(inProcess.payloads).toEqual(['[1]']);
    await inProcess.stop();
    await waitUntil('lastSeen to be recorded', async () => (await registry.get(meter.id))?.lastAddress === '127.0.0.1');
  });

  it('refuses a wrong password with CONNACK 4 (mosquitto_pub and mqtt.js) and counts it with client, address and reason', async () => {
    const meter = await registerMeter();
    const before = broker.refusals().byCode['wrong-password'];
    const publish = run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(broker, 'mqtt'), '-i', `${meter.id}-cli`, '-u', meter.id, '-P', 'wrong', '-t', `meters/${meter.id}/energy`, '-m', '[1]'], {
      timeout: 10_000,
    });
    await expect(publish).rejects.toMatchObject({ stderr: expect.stringMatching(/bad user name or password/i) });
    await expect(mqtt.connectAsync(broker.url, { clientId: `${meter.id}-js`, username: meter.id, password: 'wrong', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 4 });
    expect(broker.refusals().byCode['wrong-password']).toBe(before + 2);
    expect(refusalsOf(broker, `${meter.id}-js`)).toEqual([
      expect.objectContaining({ action: 'connect', address: '127.0.0.1', deviceId: null, topic: null, code: 'wrong-password', reason: `wrong password for ${meter.id}` }),
    ]);
  });

  it('refuses an unknown device and a password for a certificate device', async () => {
    await expect(mqtt.connectAsync(broker.url, { username: unique('nobody'), password: 'x', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 4 });
    const { device } = await registry.register({ id: unique('cert'), kind: 'meter', auth: 'certificate', certificateFingerprint: 'ab'.repeat(32) });
    await expect(mqtt.connectAsync(broker.url, { username: device.id, password: 'x', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
  });

  it('refuses a meter publishing under another meter\'s topic: nothing is delivered, the client is disconnected, the refusal counted', async () => {
    const [meter, other] = [await registerMeter(), await registerMeter()];
    const topic = `meters/${other.id}/energy`;
    const inProcess = await collect(broker, topic);
    const client = await connect(broker.url, { clientId: `${meter.id}-acl`, username: meter.id, password: meter.password });
    const gone = closed(client);
    client.publish(topic, '[1]', { qos: 1 });
    await gone;
    expect(inProcess.payloads).toEqual([]);
    expect(refusalsOf(broker, `${meter.id}-acl`)).toEqual([
      expect.objectContaining({ action: 'publish', deviceId: meter.id, topic, code: 'publish-not-allowed', reason: `${meter.id} may publish only under meters/${meter.id}/#` }),
    ]);
    await inProcess.stop();
  });

  it('answers a subscription outside the device\'s filters with the failure code and keeps the client connected', async () => {
    const meter = await registerMeter();
    const client = await connect(broker.url, { clientId: `${meter.id}-sub`, username: meter.id, password: meter.password });
    // mqtt.js rejects a SUBACK with the failure code 128.
    await expect(client.subscribeAsync('meters/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    expect(client.connected).toBe(true);
    expect(refusalsOf(broker, `${meter.id}-sub`)).toEqual([expect.objectContaining({ action: 'subscribe', topic: 'meters/#', code: 'subscribe-not-allowed' })]);
  });

  it('takes a PUBLISH a device sends right after its CONNECT, without waiting for the CONNACK, once it is authenticated', async () => {
    const meter = await registerMeter();
    const clientId = `${meter.id}-eager`;
    const topic = `meters/${meter.id}/energy`;
    const inProcess = await collect(broker, topic);
    const webSocket = new WebSocket(`wss://127.0.0.1:${portOf(broker, 'wss')}/mqtt`, 'mqtt', { ca: ca.cert });
    const answers: string[] = [];
    const parser = mqttPacket.parser().on('packet', (packet) => answers.push(packet.cmd));
    webSocket.on('message', (data: Buffer) => parser.parse(data));
    try {
      await new Promise((resolve, reject) => webSocket.once('open', resolve).once('error', reject));
      // Two WebSocket messages: the broker reads the PUBLISH on its own while the CONNECT is still being decided.
      webSocket.send(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60, username: meter.id, password: Buffer.from(meter.password) }));
      webSocket.send(mqttPacket.generate({ cmd: 'publish', topic, payload: '[5]', qos: 1, messageId: 7, retain: false, dup: false }));
      await waitUntil('CONNACK and PUBACK', () => answers.length === 2);
      expect(answers).toEqual(['connack', 'puback']);
      expect(inProcess.payloads).toEqual(['[5]']);
      expect(refusalsOf(broker, clientId)).toEqual([]);
    } finally {
      webSocket.terminate();
      await inProcess.stop();
    }
  });

  it('disconnects a removed device and refuses it from then on', async () => {
    const meter = await registerMeter();
    const client = await connect(broker.url, { username: meter.id, password: meter.password });
    const gone = closed(client);
    await registry.remove(meter.id);
    broker.deviceChanged(meter.id);
    await gone;
    await expect(mqtt.connectAsync(broker.url, { username: meter.id, password: meter.password, reconnectPeriod: 0 })).rejects.toMatchObject({ code: 4 });
  });
});

describe('mutual TLS with the demo CA', () => {
  let files: { cert: string; key: string; ca: string };
  let deviceId: string;

  beforeAll(async () => {
    deviceId = unique('tls-meter');
    const bundle = await ca.issueClientCertificate(deviceId);
    await registry.register({ id: deviceId, kind: 'meter', auth: 'certificate', certificateFingerprint: bundle.fingerprint });
    files = { cert: join(dir.path, `${deviceId}.crt`), key: join(dir.path, `${deviceId}.key`), ca: join(dir.path, 'ca.crt') };
    await Promise.all([writeFile(files.cert, bundle.cert), writeFile(files.key, bundle.key), writeFile(files.ca, bundle.ca)]);
  });

  const mosquittoPub = (topic: string, cert: string, key: string) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(broker, 'mqtts'), '--cafile', files.ca, '--cert', cert, '--key', key, '-i', unique('tls'), '-q', '1', '-t', topic, '-m', '[2]'], {
      timeout: 10_000,
    });

  it('lets mosquitto_pub in with only the certificate, key and CA the registration handed out', async () => {
    const topic = `meters/${deviceId}/energy`;
    const inProcess = await collect(broker, topic);
    await mosquittoPub(topic, files.cert, files.key);
    await waitUntil('the reading to arrive', () => inProcess.payloads.length === 1);
    expect(inProcess.payloads).toEqual(['[2]']);
    await inProcess.stop();
  });

  it('identifies the device by its certificate over WSS too (mqtt.js), and applies its topic filters', async () => {
    const bundle = await ca.issueClientCertificate(deviceId);
    await registry.remove(deviceId);
    await registry.register({ id: deviceId, kind: 'meter', auth: 'certificate', certificateFingerprint: bundle.fingerprint });
    const url = `wss://localhost:${portOf(broker, 'wss')}/mqtt`;
    const client = await connect(url, { ca: bundle.ca, cert: bundle.cert, key: bundle.key, clientId: `${deviceId}-wss` });
    const topic = `meters/${deviceId}/energy`;
    const inProcess = await collect(broker, topic);
    await client.publishAsync(topic, '[3]', { qos: 1 });
    await waitUntil('the reading to arrive', () => inProcess.payloads.length === 1);
    const gone = closed(client);
    client.publish('meters/someone-else/energy', '[4]', { qos: 1 });
    await gone;
    expect(refusalsOf(broker, `${deviceId}-wss`)).toEqual([expect.objectContaining({ deviceId, code: 'publish-not-allowed' })]);
    await inProcess.stop();
  });

  it('refuses a certificate from another CA with the TLS verification error as reason', async () => {
    const before = broker.refusals().total;
    await expect(mosquittoPub('meters/x/energy', otherCerts.otherClient.certFile, otherCerts.otherClient.keyFile)).rejects.toMatchObject({
      stderr: expect.stringMatching(/not authori[sz]ed/i),
    });
    expect(broker.refusals().total).toBe(before + 1);
    expect(broker.refusals().recent[0]).toMatchObject({ action: 'connect', code: 'certificate-untrusted', reason: expect.stringContaining('not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE') });
  });
});

describe('limits', () => {
  it('disconnects an oversized payload and a topic too deep, while a well-behaved client keeps publishing', async () => {
    const meter = await registerMeter();
    const topic = `meters/${meter.id}/energy`;
    const inProcess = await collect(broker, topic);
    const good = await connect(broker.url, { username: meter.id, password: meter.password });
    const big = await connect(broker.url, { clientId: `${meter.id}-big`, username: meter.id, password: meter.password });
    const bigGone = closed(big);
    big.publish(topic, 'x'.repeat(LIMITS.maxPayloadBytes + 1), { qos: 1 });
    await bigGone;
    const deep = await connect(broker.url, { clientId: `${meter.id}-deep` });
    const deepGone = closed(deep);
    deep.publish('a/b/c/d/e/f/g/h/i', 'deep', { qos: 1 });
    await deepGone;
    await good.publishAsync(topic, 'still here', { qos: 1 });
    await waitUntil('the good reading', () => inProcess.payloads.includes('still here'));
    expect(inProcess.payloads).toEqual(['still here']);
    expect(refusalsOf(broker, `${meter.id}-big`)).toEqual([expect.objectContaining({ code: 'limit-exceeded', reason: expect.stringContaining('payload of 1025 bytes') })]);
    expect(refusalsOf(broker, `${meter.id}-deep`)).toEqual([expect.objectContaining({ code: 'limit-exceeded', reason: expect.stringContaining('topic has 9 levels') })]);
    await inProcess.stop();
  });

  it('disconnects a client publishing faster than its rate after its second\'s burst', async () => {
    const flooder = await connect(broker.url, { clientId: unique('flood') });
    const gone = closed(flooder);
    for (let index = 0; index < LIMITS.maxMessagesPerSecond * 3; index += 1) flooder.publish('flood', 'x', { qos: 0 });
    await gone;
    expect(refusalsOf(broker, flooder.options.clientId!)).toEqual([expect.objectContaining({ action: 'publish', code: 'limit-exceeded', reason: expect.stringContaining('50 messages/s') })]);
  });

  it('answers a subscription deeper than allowed with the failure code and counts it as a limit', async () => {
    const client = await connect(broker.url, { clientId: unique('deep-sub') });
    await expect(client.subscribeAsync('a/b/c/d/e/f/g/h/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    expect(client.connected).toBe(true);
    expect(refusalsOf(broker, client.options.clientId!)).toEqual([
      expect.objectContaining({ action: 'subscribe', code: 'limit-exceeded', reason: expect.stringContaining('topic has 9 levels') }),
    ]);
  });

  it('refuses a keepalive longer than allowed', async () => {
    const clientId = unique('sleepy');
    await expect(mqtt.connectAsync(broker.url, { clientId, keepalive: 601, reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    await connect(broker.url, { keepalive: 600 });
    expect(refusalsOf(broker, clientId)).toEqual([expect.objectContaining({ action: 'connect', code: 'limit-exceeded', reason: expect.stringContaining('keepalive 601 s') })]);
  });

  it('answers "server unavailable" past the most connections', async () => {
    const small = await startBroker({ host: '127.0.0.1', port: 0, limits: { maxConnections: 2 } });
    try {
      await connect(small.url);
      await connect(small.url);
      await expect(mqtt.connectAsync(small.url, { clientId: 'third', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 3 });
      expect(small.refusals().recent[0]).toMatchObject({ clientId: 'third', code: 'limit-exceeded', reason: expect.stringContaining('2 clients connected') });
    } finally {
      await small.close();
    }
  });
});

describe('a broker reachable from the network without --mqtt-allow-lan-anonymous', () => {
  let lan: Broker;

  beforeAll(async () => {
    lan = await startBroker({ host: '0.0.0.0', port: 0, devices: registry, limits: LIMITS });
  });

  afterAll(async () => {
    await lan?.close();
  });

  const loopbackUrl = () => `mqtt://127.0.0.1:${lan.port}`;

  it('refuses anonymous clients and counts them', async () => {
    await expect(mqtt.connectAsync(loopbackUrl(), { clientId: 'anon', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    expect(lan.refusals().recent[0]).toMatchObject({ clientId: 'anon', code: 'anonymous-not-allowed' });
  });

  it('takes a registered device', async () => {
    const meter = await registerMeter();
    await expect(connect(loopbackUrl(), { username: meter.id, password: meter.password })).resolves.toMatchObject({ connected: true });
  });

  it('takes the thermostat emulator\'s readings through its in-process identity, faster than a device may publish', async () => {
    const inProcess = await collect(lan, 'temp_readings');
    const emulator = new ThermostatEmulator({ brokerUrl: loopbackUrl(), credentials: lan.internalCredentials, rate: 200, devices: 10, qos: 1 });
    await emulator.start();
    try {
      await waitUntil('200 readings', () => inProcess.payloads.length >= 200);
    } finally {
      await emulator.stop();
      await inProcess.stop();
    }
    expect(lan.refusals().recent.filter((refusal) => refusal.code !== 'anonymous-not-allowed')).toEqual([]);
  });
});
