import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BrokerDevices } from '../../../core/broker/broker-access.js';
import { startBroker, type Broker } from '../../../core/broker/broker.js';
import type { ListenerProtocol } from '../../../core/broker/broker-listeners.js';
import { acceptsConnections, freePort } from '../../helpers/free-port.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/test-certificates.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

let certs: TestCertificates;
/** All four listeners; the TLS ones ask for no client certificate. */
let broker: Broker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  certs = await makeTestCertificates();
  broker = await startAllListeners();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

afterAll(async () => {
  await broker?.close();
  await certs?.remove();
});

/** TCP, WebSocket, MQTTS and WSS on free ports of 127.0.0.1, TLS with the test server certificate. */
const startAllListeners = () =>
  startBroker({ host: '127.0.0.1', port: 0, wsPort: 0, tlsPort: 0, wssPort: 0, tls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile } });
const urlOf = (target: Broker, protocol: ListenerProtocol) => target.listeners.find((listener) => listener.protocol === protocol)!.url;
const portOf = (target: Broker, protocol: ListenerProtocol) => String(target.listeners.find((listener) => listener.protocol === protocol)!.port);
const uniqueTopic = (name: string) => `test/${name}/${Math.random().toString(16).slice(2, 10)}`;

async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(client);
  return client;
}

/** Subscribes; `message` then resolves with the first message on topic (wrapped, since an async function would wait for it). */
async function subscribeTo(client: MqttClient, topic: string): Promise<{ message: Promise<string> }> {
  const message = new Promise<string>((resolve) => client.on('message', (_topic, payload) => resolve(payload.toString())));
  await client.subscribeAsync(topic, { qos: 1 });
  return { message };
}

/** Payloads the broker delivers in-process on topic, as ingest receives them. */
async function collectInProcess(target: Broker, topic: string): Promise<{ payloads: string[]; stop: () => Promise<void> }> {
  const payloads: string[] = [];
  const stop = await target.subscribe(topic, (message, done) => {
    payloads.push(message.payload.toString());
    done();
  });
  return { payloads, stop };
}

describe('a broker with MQTT, WebSocket, MQTTS and WSS listeners', () => {
  it('lists each listener with its URL on 127.0.0.1, TCP first and as url', () => {
    expect(broker.listeners.map(({ protocol, url, clientCertificates }) => ({ protocol, url, clientCertificates }))).toEqual([
      { protocol: 'mqtt', url: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/), clientCertificates: 'none' },
      { protocol: 'ws', url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/), clientCertificates: 'none' },
      { protocol: 'mqtts', url: expect.stringMatching(/^mqtts:\/\/127\.0\.0\.1:\d+$/), clientCertificates: 'none' },
      { protocol: 'wss', url: expect.stringMatching(/^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/), clientCertificates: 'none' },
    ]);
    expect(broker.url).toBe(broker.listeners[0]!.url);
    expect(broker.port).toBe(broker.listeners[0]!.port);
    expect(new Set(broker.listeners.map((listener) => listener.port)).size).toBe(4);
  });

  it.each<ListenerProtocol>(['mqtt', 'ws', 'mqtts', 'wss'])('carries a publish to a subscriber over %s (mqtt.js, test CA trusted)', async (protocol) => {
    const topic = uniqueTopic(protocol);
    const subscriber = await connect(urlOf(broker, protocol), { ca: certs.ca.cert });
    const { message } = await subscribeTo(subscriber, topic);
    const publisher = await connect(urlOf(broker, protocol), { ca: certs.ca.cert });
    await publisher.publishAsync(topic, `over ${protocol}`, { qos: 1 });
    expect(await message).toBe(`over ${protocol}`);
  });

  it('crosses listeners: a WSS publish reaches a TCP subscriber', async () => {
    const topic = uniqueTopic('cross');
    const { message } = await subscribeTo(await connect(broker.url), topic);
    await (await connect(urlOf(broker, 'wss'), { ca: certs.ca.cert })).publishAsync(topic, 'from wss', { qos: 1 });
    expect(await message).toBe('from wss');
  });

  it('knows which listener each connected client came through', async () => {
    for (const protocol of ['mqtt', 'ws', 'mqtts', 'wss'] as const) await connect(urlOf(broker, protocol), { ca: certs.ca.cert, clientId: `via-${protocol}` });
    const seen = broker.clients().filter((client) => client.id.startsWith('via-'));
    expect(seen.sort((a, b) => a.id.localeCompare(b.id))).toMatchObject([
      { id: 'via-mqtt', protocol: 'mqtt', address: '127.0.0.1' },
      { id: 'via-mqtts', protocol: 'mqtts', address: '127.0.0.1' },
      { id: 'via-ws', protocol: 'ws', address: '127.0.0.1' },
      { id: 'via-wss', protocol: 'wss', address: '127.0.0.1' },
    ]);
  });

  it('takes a reading from mosquitto_pub over MQTTS with --cafile, and mosquitto_sub receives over MQTTS', async () => {
    const topic = uniqueTopic('mosquitto');
    const tls = ['-h', '127.0.0.1', '-p', portOf(broker, 'mqtts'), '--cafile', certs.ca.certFile];
    const inProcess = await collectInProcess(broker, topic);
    const subscribed = run('mosquitto_sub', [...tls, '-t', topic, '-C', '1', '-W', '10', '-q', '1'], { timeout: 15_000 });
    // mosquitto_sub has subscribed once it counts as a client; then the publish cannot arrive before it.
    await waitUntil('mosquitto_sub to connect', () => broker.clients().some((client) => client.protocol === 'mqtts'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await run('mosquitto_pub', [...tls, '-t', topic, '-q', '1', '-m', '{"over":"mqtts"}'], { timeout: 10_000 });
    expect((await subscribed).stdout.trim()).toBe('{"over":"mqtts"}');
    expect(inProcess.payloads).toEqual(['{"over":"mqtts"}']);
    await inProcess.stop();
  });

  it('is refused by mosquitto_pub over MQTTS when the client does not trust the CA that signed the server certificate', async () => {
    const publish = run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(broker, 'mqtts'), '--cafile', certs.otherCa.certFile, '-t', 'x', '-m', 'y'], { timeout: 10_000 });
    await expect(publish).rejects.toMatchObject({ stderr: expect.stringContaining('A TLS error occurred') });
  });

  it('keeps serving after garbage on every listener', async () => {
    for (const { port } of broker.listeners) {
      const socket = await openSilentSocket(port);
      socket.on('error', () => undefined);
      // Reads what the listener answers (an HTTP 400, a TLS alert), or 'close' never comes.
      socket.resume();
      const closed = new Promise((resolve) => socket.once('close', resolve));
      // A first byte no protocol accepts (reserved MQTT type, no HTTP method, no TLS record), so every listener refuses at once.
      socket.write(Buffer.concat([Buffer.from([0]), randomBytes(4095)]));
      await closed;
    }
    const topic = uniqueTopic('after-garbage');
    const { message } = await subscribeTo(await connect(urlOf(broker, 'ws')), topic);
    await (await connect(urlOf(broker, 'mqtts'), { ca: certs.ca.cert })).publishAsync(topic, 'still here', { qos: 1 });
    expect(await message).toBe('still here');
  });

  it('counts bytes that are not MQTT as malformed-packet refusals, over TCP and WebSocket, and closes those connections', async () => {
    // CONNECT for "MQTT" protocol level 9, which no MQTT version has.
    const badConnect = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3c, 0x00, 0x00]);
    const before = broker.refusals().byCode['malformed-packet'];
    const tcp = await openSilentSocket(Number(portOf(broker, 'mqtt')));
    tcp.on('error', () => undefined);
    const tcpClosed = new Promise((resolve) => tcp.once('close', resolve));
    tcp.write(badConnect);
    await tcpClosed;
    const ws = new WebSocket(urlOf(broker, 'ws'), 'mqtt');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const wsClosed = new Promise((resolve) => ws.once('close', resolve));
    ws.send(badConnect);
    await wsClosed;

    const refusals = await waitUntil('two malformed-packet refusals', () => {
      const snapshot = broker.refusals();
      return snapshot.byCode['malformed-packet'] === before + 2 ? snapshot : null;
    });
    expect(refusals.recent.slice(0, 2)).toEqual([
      expect.objectContaining({ action: 'packet', code: 'malformed-packet', address: '127.0.0.1', reason: 'not MQTT the broker can read (Invalid protocol version); the connection was closed' }),
      expect.objectContaining({ action: 'packet', code: 'malformed-packet', reason: 'not MQTT the broker can read (Invalid protocol version); the connection was closed' }),
    ]);
  });

  it('answers a plain HTTP request on the WebSocket port with 426 instead of hanging', async () => {
    const response = await fetch(`http://127.0.0.1:${portOf(broker, 'ws')}/`);
    expect(response.status).toBe(426);
    expect(await response.text()).toContain('/mqtt');
  });

  it('refuses a WebSocket upgrade on another path than /mqtt', async () => {
    const webSocket = new WebSocket(`ws://127.0.0.1:${portOf(broker, 'ws')}/other`, 'mqtt');
    const refusal = await new Promise<Error>((resolve) => webSocket.once('error', resolve));
    expect(refusal.message).toContain('400');
  });
});

describe('a broker that requires client certificates (mutual TLS)', () => {
  let mutual: Broker;

  beforeAll(async () => {
    mutual = await startBroker({
      host: '127.0.0.1',
      port: 0,
      tlsPort: 0,
      wssPort: 0,
      tls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile, caFile: certs.ca.certFile, requireClientCert: true },
      devices: onlyDevice('sw-test-client', certs.client.cert),
    });
  });

  afterAll(async () => {
    await mutual?.close();
  });

  const mosquittoPub = (topic: string, ...clientCertificate: string[]) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', portOf(mutual, 'mqtts'), '--cafile', certs.ca.certFile, ...clientCertificate, '-t', topic, '-q', '1', '-m', 'reading'], {
      timeout: 10_000,
    });

  it('says so on its TLS listeners and not on TCP', () => {
    expect(mutual.listeners.map(({ protocol, clientCertificates }) => [protocol, clientCertificates])).toEqual([
      ['mqtt', 'none'],
      ['mqtts', 'required'],
      ['wss', 'required'],
    ]);
  });

  it('accepts mosquitto_pub with a client certificate signed by the CA', async () => {
    const topic = uniqueTopic('mutual');
    const inProcess = await collectInProcess(mutual, topic);
    await mosquittoPub(topic, '--cert', certs.client.certFile, '--key', certs.client.keyFile);
    await waitUntil('the reading to arrive', () => inProcess.payloads.length === 1);
    expect(inProcess.payloads).toEqual(['reading']);
    await inProcess.stop();
  });

  it('refuses mosquitto_pub without a client certificate, and with one from another CA; nothing gets through', async () => {
    const topic = uniqueTopic('refused');
    const inProcess = await collectInProcess(mutual, topic);
    await expect(mosquittoPub(topic)).rejects.toThrow();
    await expect(mosquittoPub(topic, '--cert', certs.otherClient.certFile, '--key', certs.otherClient.keyFile)).rejects.toThrow();
    expect(inProcess.payloads).toEqual([]);
    expect(mutual.connectedClients()).toBe(0);
    await inProcess.stop();
  });

  it('accepts mqtt.js over WSS with the client certificate and refuses it without', async () => {
    const url = urlOf(mutual, 'wss');
    const withCertificate = await connect(url, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
    expect(withCertificate.connected).toBe(true);
    await expect(mqtt.connectAsync(url, { ca: certs.ca.cert, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    await expect(
      mqtt.connectAsync(url, { ca: certs.ca.cert, cert: certs.otherClient.cert, key: certs.otherClient.key, reconnectPeriod: 0, connectTimeout: 3000 }),
    ).rejects.toThrow();
  });
});

describe('starting a broker', () => {
  it('listens beyond loopback without --mqtt-allow-lan-anonymous, refusing anonymous clients', async () => {
    const lan = await startBroker({ host: '0.0.0.0', port: 0 });
    try {
      expect(lan.anonymousAllowed).toBe(false);
      await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${lan.port}`, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow(/Not authorized/);
      expect(lan.refusals().recent[0]).toMatchObject({ action: 'connect', code: 'anonymous-not-allowed', address: '127.0.0.1' });
    } finally {
      await lan.close();
    }
  });

  it('binds to all interfaces when anonymous LAN clients are explicitly allowed', async () => {
    const open = await startBroker({ host: '0.0.0.0', port: 0, wsPort: 0, allowLanAnonymous: true });
    try {
      expect(open.url).toMatch(/^mqtt:\/\/0\.0\.0\.0:\d+$/);
      expect(await acceptsConnections(open.port, '127.0.0.1')).toBe(true);
    } finally {
      await open.close();
    }
  });

  it('refuses a TLS port without certificate and key, naming the flags', async () => {
    await expect(startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0 })).rejects.toThrow(/--mqtt-tls-cert and --mqtt-tls-key/);
    await expect(startBroker({ host: '127.0.0.1', port: 0, wssPort: 0, tls: { certFile: certs.server.certFile } })).rejects.toThrow(/--mqtt-tls-key/);
  });

  it('names the file that cannot be read or is not PEM, and a certificate and key that do not match', async () => {
    const start = (tls: { certFile: string; keyFile: string; caFile?: string }) => startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, tls });
    const { server, client } = certs;
    await expect(start({ certFile: `${certs.dir}/missing.crt`, keyFile: server.keyFile })).rejects.toThrow(`cannot read ${certs.dir}/missing.crt (--mqtt-tls-cert)`);
    await expect(start({ certFile: server.keyFile, keyFile: server.keyFile })).rejects.toThrow(`${server.keyFile} holds no PEM certificate`);
    await expect(start({ certFile: server.certFile, keyFile: server.certFile })).rejects.toThrow(`${server.certFile} is not an unencrypted PEM private key`);
    await expect(start({ certFile: server.certFile, keyFile: server.keyFile, caFile: server.keyFile })).rejects.toThrow(`${server.keyFile} holds no PEM certificate`);
    await expect(start({ certFile: server.certFile, keyFile: client.keyFile })).rejects.toThrow(`TLS certificate ${server.certFile} and key ${client.keyFile} do not go together`);
  });

  it('refuses to require client certificates without a CA to check them against', async () => {
    const tls = { certFile: certs.server.certFile, keyFile: certs.server.keyFile, requireClientCert: true };
    await expect(startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, tls })).rejects.toThrow(/--mqtt-require-client-cert needs --mqtt-tls-ca/);
  });

  it('names the flag of a port in use and closes the listeners it had opened', async () => {
    const tcpPort = await freePort();
    await expect(startBroker({ host: '127.0.0.1', port: tcpPort, wsPort: broker.port })).rejects.toThrow(
      `MQTT broker cannot listen for ws on 127.0.0.1:${broker.port}: port ${broker.port} is already in use (pick another with --mqtt-ws-port`,
    );
    expect(await acceptsConnections(tcpPort)).toBe(false);
  });

  it('closes every listener, also with a connection that never sent CONNECT', async () => {
    const short = await startAllListeners();
    const ports = short.listeners.map((listener) => listener.port);
    await connect(urlOf(short, 'ws'));
    const silent = await openSilentSocket(short.listeners[2]!.port);
    const started = Date.now();
    await short.close();
    expect(Date.now() - started).toBeLessThan(2000);
    silent.destroy();
    for (const port of ports) expect(await acceptsConnections(port)).toBe(false);
  });
});

/** A registry of one certificate device, as the TLS tests need it; the registry itself is tested against Redis elsewhere. */
function onlyDevice(id: string, certificatePem: string): BrokerDevices {
  const fingerprint = new X509Certificate(certificatePem).fingerprint256.replaceAll(':', '').toLowerCase();
  const record = { id, auth: 'certificate' as const, certificateFingerprint: fingerprint, publish: ['#'], subscribe: ['#'], passwordMatches: async () => false };
  return { accessRecord: async (wanted) => (wanted === id ? record : null), recordSeen: async () => true };
}

/** A TCP connection that sends nothing, as a scanner or a stuck device would. */
async function openSilentSocket(port: number): Promise<Socket> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1', () => resolve());
  });
  return socket;
}
