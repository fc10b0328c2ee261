import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OutsideBroker, type OutsideBrokerOptions } from '../../../core/broker/outside-broker.js';
import type { InboundMessage } from '../../../core/domain/message-source.js';
import { startMosquitto, type MosquittoProcess } from '../../helpers/mosquitto.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/test-certificates.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** The outside broker as ingest's source, against Debian's real mosquitto 2.0 on loopback. */
let dir: TempDir;
let mosquitto: MosquittoProcess;
let publisher: MqttClient;
const opened: OutsideBroker[] = [];
let clientIds = 0;

beforeAll(async () => {
  dir = await makeTempDir('sw-mosquitto-');
  mosquitto = await startMosquitto({ dir: dir.path });
  publisher = await connectPublisher(mosquitto.url);
});

afterEach(async () => {
  for (const broker of opened.splice(0)) await broker.close();
});

afterAll(async () => {
  publisher?.end(true);
  await mosquitto?.stop();
  await dir?.remove();
});

function connectPublisher(url: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 100 });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

const publishAll = (topic: (index: number) => string, count: number, client = publisher) =>
  Promise.all(Array.from({ length: count }, (_, index) => client.publishAsync(topic(index), String(index), { qos: 1 })));

interface Taken {
  message: InboundMessage;
  done: () => void;
}

/** An OutsideBroker on the test's mosquitto whose handlers note every message and hold its `done`. */
function outsideBroker(overrides: Partial<OutsideBrokerOptions> = {}): OutsideBroker {
  const broker = new OutsideBroker({
    url: mosquitto.url,
    clientId: `sw-test-${process.pid}-${++clientIds}`,
    shareGroup: 'sw-test',
    sessionExpirySeconds: 60,
    receiveMaximum: 100,
    keepaliveSeconds: 30,
    log: () => undefined,
    reconnectDelaysMs: [50, 100, 200],
    connectTimeoutMs: 2000,
    ...overrides,
  });
  opened.push(broker);
  return broker;
}

async function taking(broker: OutsideBroker, filter: string, { ack = true } = {}): Promise<Taken[]> {
  const taken: Taken[] = [];
  await broker.subscribe(filter, (message, done) => {
    taken.push({ message, done });
    if (ack) done();
  });
  return taken;
}

const payloads = (taken: Taken[]) => taken.map(({ message }) => Number(message.payload.toString())).sort((a, b) => a - b);

describe('an outside broker (mosquitto 2.0) as the source', () => {
  it('subscribes $share/<group>/<filter> with MQTT 5 and hands over topic, payload and QoS', async () => {
    const broker = outsideBroker();
    const taken = await taking(broker, 'first/+');
    await broker.start();
    expect(broker.status()).toMatchObject({ state: 'connected', subscriptions: ['$share/sw-test/first/+'], sessionPresent: false });
    await publishAll((index) => `first/${index}`, 3);
    await waitUntil('three messages', () => taken.length === 3);
    expect(taken.map(({ message }) => [message.topic, message.qos])).toEqual([
      ['first/0', 1],
      ['first/1', 1],
      ['first/2', 1],
    ]);
    expect(broker.status()).toMatchObject({ received: 3, acknowledged: 3, redelivered: 0 });
  });

  it('acknowledges only what its handler is done with: the rest comes back, DUP set, to the worker that takes the session over', async () => {
    const clientId = `sw-test-takeover-${process.pid}`;
    const first = outsideBroker({ clientId });
    const held = await taking(first, 'held/+', { ack: false });
    await first.start();
    await publishAll((index) => `held/${index}`, 10);
    await waitUntil('ten messages held', () => held.length === 10);
    for (const { done } of held.slice(0, 6)) done();
    await waitUntil('six acknowledged', () => first.status().acknowledged === 6);
    first.stopTaking();
    await first.close();

    const second = outsideBroker({ clientId });
    const again = await taking(second, 'held/+');
    await second.start();
    expect(second.status().sessionPresent).toBe(true);
    await waitUntil('the four unacknowledged messages again', () => again.length === 4);
    expect(payloads(again)).toEqual([6, 7, 8, 9]);
    expect(second.status()).toMatchObject({ received: 4, redelivered: 4 });
  });

  it('shares one filter between the workers of a group: every message goes to exactly one of them', async () => {
    const [a, b] = [outsideBroker(), outsideBroker()];
    const [fromA, fromB] = [await taking(a, 'shared/+'), await taking(b, 'shared/+')];
    await Promise.all([a.start(), b.start()]);
    await publishAll((index) => `shared/${index}`, 100);
    await waitUntil('100 messages between them', () => fromA.length + fromB.length === 100);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    expect([...payloads(fromA), ...payloads(fromB)].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, index) => index));
  });

  it('tells overlapping subscriptions apart by their subscription identifiers: one copy to each', async () => {
    const broker = outsideBroker();
    const [wide, narrow] = [await taking(broker, 'overlap/#'), await taking(broker, 'overlap/exact')];
    await broker.start();
    await publisher.publishAsync('overlap/exact', '1', { qos: 1 });
    await publisher.publishAsync('overlap/other', '2', { qos: 1 });
    await waitUntil('three copies', () => wide.length + narrow.length === 3);
    expect(wide.map(({ message }) => message.topic).sort()).toEqual(['overlap/exact', 'overlap/other']);
    expect(narrow.map(({ message }) => message.topic)).toEqual(['overlap/exact']);
  });

  it("keeps messages for a member that is away in its session instead of handing them to the other member, and delivers them when it is back", async () => {
    const clientId = `sw-test-away-${process.pid}`;
    const away = outsideBroker({ clientId });
    const present = outsideBroker();
    await taking(away, 'away/+');
    const fromPresent = await taking(present, 'away/+');
    await Promise.all([away.start(), present.start()]);
    away.stopTaking();
    await away.close();

    await publishAll((index) => `away/${index}`, 20);
    await waitUntil('the present member has its share', () => fromPresent.length >= 10);
    // A moment more: mosquitto 2.0 keeps going round the group, the absent member included.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fromPresent.length).toBe(10);

    const back = outsideBroker({ clientId });
    const fromBack = await taking(back, 'away/+');
    await back.start();
    await waitUntil('the absent member gets what was kept for it', () => fromBack.length === 10);
    expect([...payloads(fromPresent), ...payloads(fromBack)].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('leaves the group for good: takes what its session still holds, then ends it, and the other member gets everything', async () => {
    const clientId = `sw-test-leave-${process.pid}`;
    const group = { shareGroup: `sw-test-leave-${process.pid}` };
    const leaving = outsideBroker({ clientId, ...group });
    const staying = outsideBroker(group);
    await taking(leaving, 'leave/+');
    const fromStaying = await taking(staying, 'leave/+');
    await Promise.all([leaving.start(), staying.start()]);
    leaving.stopTaking();
    await leaving.close();
    await publishAll((index) => `leave/${index}`, 10);
    await waitUntil('the staying member has its half', () => fromStaying.length === 5);

    // Back with its client id, only to leave: it takes the five kept for it, then ends its session.
    const log: string[] = [];
    const back = outsideBroker({ clientId, ...group, log: (line) => log.push(line) });
    const fromBack = await taking(back, 'leave/+');
    await back.start();
    await back.leave(300);
    expect(payloads(fromBack)).toHaveLength(5);
    back.stopTaking();
    await back.close();
    expect(log.join('\n')).toMatch(/the session of sw-test-leave-\d+ ends/);

    await publishAll((index) => `leave/${10 + index}`, 10);
    await waitUntil('the staying member gets every later message', () => fromStaying.length === 15);
    const again = outsideBroker({ clientId, ...group });
    await taking(again, 'leave/+');
    await again.start();
    expect(again.status().sessionPresent).toBe(false);
  });

  it('leaves messages that arrive after stopTaking unacknowledged, for its next session', async () => {
    const clientId = `sw-test-stop-${process.pid}`;
    const stopping = outsideBroker({ clientId });
    const before = await taking(stopping, 'stopping/+');
    await stopping.start();
    stopping.stopTaking();
    await publishAll((index) => `stopping/${index}`, 5);
    await waitUntil('the broker delivered them', () => stopping.status().received === 5);
    expect(before).toHaveLength(0);
    await stopping.close();

    const next = outsideBroker({ clientId });
    const after = await taking(next, 'stopping/+');
    await next.start();
    await waitUntil('the five again', () => after.length === 5);
  });

  it('refuses to start when the broker is not there, naming it', async () => {
    const broker = outsideBroker({ url: 'mqtt://127.0.0.1:1' });
    await expect(broker.start()).rejects.toThrow(/cannot connect to the MQTT source mqtt:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('hides the password of the URL it shows', () => {
    expect(outsideBroker({ url: 'mqtt://ingest:s3cret@broker.example:1883' }).url).toBe('mqtt://ingest:***@broker.example:1883');
  });
});

describe('the outside broker going away', () => {
  let restartable: MosquittoProcess | null = null;

  afterAll(async () => {
    await restartable?.stop();
  });

  it('reconnects with back-off, says so in its status and its log, and takes messages again', async () => {
    restartable = await startMosquitto({ dir: dir.path });
    const port = restartable.port;
    const log: string[] = [];
    const broker = outsideBroker({ url: restartable.url, log: (line) => log.push(line) });
    const taken = await taking(broker, 'again/+');
    await broker.start();

    await restartable.stop();
    await waitUntil('reconnecting', () => broker.status().state === 'reconnecting');
    await waitUntil('a failed attempt', () => log.some((line) => /cannot reach mqtt:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\); attempt \d+/.test(line)));
    expect(log.join('\n')).toMatch(/LOST the connection to mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(broker.status().lastError).toMatch(/ECONNREFUSED|closed/);

    restartable = await startMosquitto({ dir: dir.path, port });
    await waitUntil('connected again', () => broker.status().state === 'connected', { timeoutMs: 5000 });
    expect(log.join('\n')).toMatch(/reconnected to mqtt:\/\/127\.0\.0\.1:\d+ .* a new session/);
    // mosquitto ran without persistence: the session is gone, and the log says what that means.
    expect(log.join('\n')).toMatch(/no longer had this worker's session/);
    const client = await connectPublisher(restartable.url);
    try {
      await client.publishAsync('again/1', '1', { qos: 1 });
      await waitUntil('a message after the reconnect', () => taken.length === 1);
    } finally {
      client.end(true);
    }
    expect(broker.status().reconnects).toBe(1);
  });
});

describe('an mqtts:// outside broker', () => {
  let certificates: TestCertificates;
  let tlsBroker: MosquittoProcess;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    tlsBroker = await startMosquitto({
      dir: dir.path,
      extraConfig: [`cafile ${certificates.ca.certFile}`, `certfile ${certificates.server.certFile}`, `keyfile ${certificates.server.keyFile}`, 'require_certificate true'],
    });
  });

  afterAll(async () => {
    await tlsBroker?.stop();
    await certificates?.remove();
  });

  it('connects with the CA and a client certificate, and is refused without the certificate', async () => {
    const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const tls = { ca: certificates.ca.cert, cert: certificates.client.cert, key: certificates.client.key };
    const broker = outsideBroker({ url, tls });
    await taking(broker, 'tls/+');
    await broker.start();
    expect(broker.status().state).toBe('connected');

    await expect(outsideBroker({ url, tls: { ca: certificates.ca.cert } }).start()).rejects.toThrow(/cannot connect to the MQTT source mqtts:/);
    await expect(outsideBroker({ url, tls: { ca: certificates.otherCa.cert, cert: certificates.client.cert, key: certificates.client.key } }).start()).rejects.toThrow(/certificate/);
  });
});
