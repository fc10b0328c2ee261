import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as connectTls } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, createWebSocketStream } from 'ws';
import type { ListenerAddress, ListenerProtocol } from '../../../core/broker/broker-listeners.js';
import { largestPacketBytes } from '../../../core/broker/packet-size-guard.js';
import { loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { loadOrCreateServerCertificate } from '../../../core/certificates/server-certificate.js';
import type { Refusal } from '../../../core/devices/refusals.js';
import { startIngestPipeline, type IngestPipeline } from '../../helpers/ingest-pipeline.js';
import { redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const LIMITS = { maxPayloadBytes: 4096, maxTopicLevels: 32, maxMessagesPerSecond: 100 };
const PROTOCOLS: ListenerProtocol[] = ['mqtt', 'ws', 'mqtts', 'wss'];
const TOPIC = 'temp_readings';
/** Each well-behaved client publishes a reading this often: 25/s, a quarter of the rate limit. */
const READING_INTERVAL_MS = 40;
/** A payload "well beyond" the limit: announced everywhere, and sent whole on TCP and TLS. */
const HUGE_PAYLOAD_BYTES = 5 * 1024 * 1024;
/** A connection the broker should cut is given this long, generous for a loaded two-core machine. */
const CUT_WITHIN_MS = 5000;
const CONNACK_BYTES = 4;
/** The well-behaved clients publish at least this long, however quickly the attacks are over. */
const MIN_STORM_MS = 2000;
/** A PUBLISH of HUGE_PAYLOAD_BYTES, built once: the attackers share it rather than each allocating its own. */
const HUGE_PUBLISH = publishPacket(TOPIC, Buffer.alloc(HUGE_PAYLOAD_BYTES, 0x20));

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
// Printed so a failing run can be repeated with FUZZ_SEED=<seed>.
console.log(`broker fuzz seed ${seed}`);

let testRedis: TestRedis;
let redis: Redis;
let dir: TempDir;
let caCert: string;
let pipeline: IngestPipeline;
const publishers: WellBehavedPublisher[] = [];

beforeAll(async () => {
  [testRedis, dir] = await Promise.all([startTestRedis(), makeTempDir('sw-broker-fuzz-')]);
  redis = redisClient(testRedis.url);
  const ca = await loadOrCreateDemoCa(dir.path);
  const server = await loadOrCreateServerCertificate(dir.path, ca, { hostnames: ['localhost'], addresses: ['127.0.0.1'] });
  caCert = ca.cert;
  pipeline = await startIngestPipeline(testRedis.url, {}, {
    broker: { wsPort: 0, tlsPort: 0, wssPort: 0, tls: { ...server, ca: ca.cert }, limits: LIMITS },
  });
});

afterAll(async () => {
  for (const publisher of publishers) publisher.halt();
  await pipeline?.stop();
  redis?.disconnect();
  await testRedis?.stop();
  await dir?.remove();
});

describe('a broker under fuzzing on all four listeners, with ingest writing to Redis behind it', () => {
  it('keeps serving well-behaved clients, loses no acknowledged reading and refuses the abuse with the right code', async () => {
    const listeners = pipeline.broker.listeners;
    expect(listeners.map((listener) => listener.protocol)).toEqual(PROTOCOLS);
    const memory = new MemoryWatch();
    const wellBehaved = await Promise.all(listeners.map((listener) => WellBehavedPublisher.start(listener)));

    // A generator of its own per listener, so the garbage each gets does not depend on how the attacks interleave.
    const storm = Promise.all(listeners.map((listener, index) => attack(listener, seededRandom(seed + index))));
    const [outcomes] = await Promise.all([storm, sleep(MIN_STORM_MS)]);

    await Promise.all(wellBehaved.map((publisher) => publisher.stop()));
    const peak = memory.stop();
    for (const publisher of wellBehaved) {
      expect(publisher.disconnects, `${publisher.protocol} client was disconnected`).toBe(0);
      expect(publisher.failures, `${publisher.protocol} client saw failed publishes`).toEqual([]);
      expect(publisher.acknowledged, `${publisher.protocol} readings acknowledged`).toHaveLength(publisher.published);
      // 50 at 25/s over MIN_STORM_MS, fewer on a loaded machine; a handful would mean the test did not exercise them.
      expect(publisher.published, `${publisher.protocol} readings published`).toBeGreaterThanOrEqual(10);
    }

    for (const { protocol, cut } of outcomes) {
      expect(cut, `${protocol}: connections the broker should have cut`).toEqual(Object.fromEntries(Object.keys(cut).map((name) => [name, true])));
    }

    const acknowledged = wellBehaved.flatMap((publisher) => publisher.acknowledged);
    await waitUntil('ingest to write every acknowledged reading', async () => {
      const stored = await redis.zmscore(pipeline.keys.sensorData, ...acknowledged);
      return stored.every((score) => score !== null);
    });
    const hashes = await Promise.all(acknowledged.map((deviceId) => redis.hget(pipeline.keys.deviceHash(deviceId), 'deviceIP')));
    expect(hashes.filter((ip) => ip === null)).toEqual([]);

    const refusals = pipeline.broker.refusals();
    for (const { protocol } of listeners) {
      const of = (attacker: string) => refusalsOf(refusals.recent, `fuzz-${protocol}-${attacker}`);
      expect(of('oversize'), `${protocol} oversize`).toEqual([
        expect.objectContaining({ action: 'publish', code: 'limit-exceeded', reason: expect.stringContaining(`payload of ${LIMITS.maxPayloadBytes + 1} bytes`) }),
      ]);
      expect(of('huge'), `${protocol} huge`).toEqual([expect.objectContaining({ code: 'limit-exceeded', reason: expect.stringMatching(/packet of \d+ bytes/) })]);
      const blast = protocol === 'mqtt' || protocol === 'mqtts' ? `a PUBLISH packet of ${HUGE_PUBLISH.length - 5} bytes` : 'a WebSocket message';
      expect(of('blast'), `${protocol} blast`).toEqual([expect.objectContaining({ code: 'limit-exceeded', reason: expect.stringContaining(blast) })]);
      expect(of('levels'), `${protocol} levels`).toEqual([
        expect.objectContaining({ action: 'publish', code: 'limit-exceeded', reason: expect.stringContaining('topic has more than 100 levels') }),
      ]);
      expect(of('wildcard'), `${protocol} wildcard`).toEqual([expect.objectContaining({ action: 'publish', code: 'invalid-topic', reason: expect.stringContaining('wildcards') })]);
      expect(of('utf8'), `${protocol} utf8`).toEqual([expect.objectContaining({ action: 'publish', code: 'invalid-topic', reason: expect.stringContaining('U+FFFD') })]);
      expect(of('rate'), `${protocol} rate`).toEqual([
        expect.objectContaining({ action: 'publish', code: 'limit-exceeded', reason: expect.stringContaining(`${LIMITS.maxMessagesPerSecond} messages/s`) }),
      ]);
    }
    // Random bytes may add some: a header of garbage declaring more than the limit is cut too.
    expect(refusals.byCode['limit-exceeded']).toBeGreaterThanOrEqual(5 * listeners.length);

    console.log(
      `broker fuzz: ${acknowledged.length} readings acknowledged and stored; refusals ${JSON.stringify(nonZero(refusals.byCode))}; ` +
        `memory peak above start: rss ${mb(peak.rss)} MB, heap ${mb(peak.heapUsed)} MB, buffers ${mb(peak.arrayBuffers)} MB`,
    );
    // The 5 MB PUBLISHes sent whole on TCP and TLS would add 10 MB and more buffered, and copied, by the broker.
    expect(peak.arrayBuffers).toBeLessThan(8 * 1024 * 1024);

    for (const listener of listeners) {
      const client = await connectClient(listener.url, `after-storm-${listener.protocol}`);
      const reading = { ...devicePayload(), deviceId: `after-${listener.protocol}` };
      await client.publishAsync(TOPIC, JSON.stringify(reading), { qos: 1 });
      await client.endAsync();
      await waitUntil(`the reading over ${listener.protocol} after the storm`, async () => (await redis.zscore(pipeline.keys.sensorData, reading.deviceId)) !== null);
    }
  });
});

/** Whether each attack the broker must answer by closing the connection was closed. */
interface AttackOutcome {
  protocol: ListenerProtocol;
  cut: Record<string, boolean>;
}

/** Every attack on one listener, one connection each, all at once. */
async function attack(listener: ListenerAddress, random: () => number): Promise<AttackOutcome> {
  const { protocol } = listener;
  const id = (attacker: string) => `fuzz-${protocol}-${attacker}`;
  const mustBeCut: Record<string, (connection: RawConnection) => Promise<void>> = {
    'varint of 5 bytes': async (connection) => connection.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])),
    'wrong protocol name': async (connection) => connection.write(withProtocolName(connectPacket(id('name')), 'MQXX')),
    'wrong protocol level': async (connection) => connection.write(withProtocolLevel(connectPacket(id('level')), 9)),
    'publish before connect': async (connection) => connection.write(publishPacket(TOPIC, JSON.stringify(devicePayload()))),
    'truncated packet': async (connection) => {
      connection.write(connectPacket(id('truncated')));
      connection.write(publishPacket(TOPIC, JSON.stringify(devicePayload())).subarray(0, 20));
      connection.end();
    },
    'reserved type 0': async (connection) => connection.write(Buffer.from([0x00, 0x00])),
    'reserved type 15': async (connection) => connection.write(Buffer.from([0xf0, 0x00])),
    'invalid UTF-8 topic': async (connection) => {
      await connection.connect(id('utf8'));
      connection.write(withTopicBytes(Buffer.from([0x74, 0xc3, 0x28, 0x74]), 'x'));
    },
    'wildcard topic': async (connection) => {
      await connection.connect(id('wildcard'));
      connection.write(publishPacket(`${TOPIC}/#`, 'x'));
    },
    'topic of 200 levels': async (connection) => {
      await connection.connect(id('levels'));
      connection.write(publishPacket(Array.from({ length: 200 }, (_, level) => `l${level}`).join('/'), 'x'));
    },
    'payload one byte over the limit': async (connection) => {
      await connection.connect(id('oversize'));
      connection.write(publishPacket(TOPIC, Buffer.alloc(LIMITS.maxPayloadBytes + 1, 0x7b)));
    },
    'payload of 5 MB, announced': async (connection) => {
      // The refusal names the client only once its CONNECT is through.
      await connection.connect(id('huge'));
      await sendHugePublishStart(connection);
    },
    ...(protocol === 'mqtt' || protocol === 'mqtts'
      ? {
          'payload of 5 MB, sent whole': async (connection: RawConnection) => {
            await connection.connect(id('blast'));
            connection.write(HUGE_PUBLISH);
          },
        }
      : {
          // The WebSocket client would copy a 5 MB message to mask it, and blur what the broker's memory shows.
          'packet over the limit in one WebSocket message': async (connection: RawConnection) => {
            await connection.connect(id('blast'));
            connection.write(publishPacket(TOPIC, Buffer.alloc(largestPacketBytes(LIMITS.maxPayloadBytes), 0x20)));
          },
        }),
    'faster than the rate': async (connection) => {
      // Not before the CONNACK: aedes holds at most 42 packets until then and would cut it for that.
      await connection.connect(id('rate'));
      const reading = publishPacket('fuzz/rate', 'x');
      connection.write(Buffer.concat(Array.from({ length: LIMITS.maxMessagesPerSecond * 3 }, () => reading)));
    },
  };
  const cut = await Promise.all(
    Object.entries(mustBeCut).map(async ([name, send]) => {
      const connection = await openRaw(listener);
      try {
        await send(connection);
        return [name, await connection.closedWithin(CUT_WITHIN_MS)] as const;
      } finally {
        connection.destroy();
      }
    }),
  );
  await sendRandomBytes(listener, random);
  return { protocol, cut: Object.fromEntries(cut) };
}

/**
 * The start of HUGE_PUBLISH, a little more than the broker may take, in 64 KiB writes (one WebSocket
 * message each, all under the listener's message limit), and then nothing: a broker that waits for
 * the rest of the packet buffers it all, as slowly as a client cares to send it.
 */
async function sendHugePublishStart(connection: RawConnection): Promise<void> {
  const sliceBytes = 64 * 1024;
  const stopAt = largestPacketBytes(LIMITS.maxPayloadBytes) + 2 * sliceBytes;
  for (let offset = 0; offset < stopAt && !connection.closed; offset += sliceBytes) {
    await connection.writeAndWait(HUGE_PUBLISH.subarray(offset, offset + sliceBytes));
  }
}

/** Seeded garbage: a few hundred writes of random length, on connections of their own; the broker need not close them. */
async function sendRandomBytes(listener: ListenerAddress, random: () => number): Promise<void> {
  for (let round = 0; round < 8; round += 1) {
    const connection = await openRaw(listener);
    try {
      for (let write = 0; write < 40 && !connection.closed; write += 1) {
        const length = 1 + Math.floor(random() * 2048);
        await connection.writeAndWait(Buffer.from(Array.from({ length }, () => Math.floor(random() * 256))));
      }
    } finally {
      connection.destroy();
    }
  }
}

/** A device that does everything right: a QoS 1 reading every READING_INTERVAL_MS, each with its own device id. */
class WellBehavedPublisher {
  readonly acknowledged: string[] = [];
  readonly failures: string[] = [];
  disconnects = 0;
  published = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly protocol: ListenerProtocol,
    private readonly client: MqttClient,
  ) {
    client.on('close', () => (this.disconnects += 1));
    this.timer = setInterval(() => this.publishOne(), READING_INTERVAL_MS);
  }

  static async start(listener: ListenerAddress): Promise<WellBehavedPublisher> {
    const publisher = new WellBehavedPublisher(listener.protocol, await connectClient(listener.url, `well-behaved-${listener.protocol}`));
    publishers.push(publisher);
    return publisher;
  }

  /** Stops publishing once every reading is acknowledged, and disconnects. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await waitUntil(`the PUBACKs over ${this.protocol}`, () => this.pending.size === 0);
    this.halt();
  }

  /** Stops at once, for a test that failed half-way. */
  halt(): void {
    clearInterval(this.timer);
    this.client.removeAllListeners('close');
    this.client.end(true);
  }

  private publishOne(): void {
    this.published += 1;
    const deviceId = `fuzz-${this.protocol}-${this.published}`;
    const acknowledgement = this.client.publishAsync(TOPIC, JSON.stringify({ ...devicePayload(), deviceId }), { qos: 1 }).then(
      () => void this.acknowledged.push(deviceId),
      (error: Error) => void this.failures.push(`${deviceId}: ${error.message}`),
    );
    this.pending.add(acknowledgement);
    void acknowledgement.finally(() => this.pending.delete(acknowledgement));
  }
}

function connectClient(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, ca: caCert, reconnectPeriod: 0, connectTimeout: 10_000 });
}

/** A connection that speaks whatever bytes it is given, over the listener's transport. */
class RawConnection {
  closed = false;
  receivedBytes = 0;
  private readonly closing: Promise<void>;

  /** `transport` emits 'close' when the broker hangs up: the socket, or the WebSocket under `stream`, whose stream emits none. */
  constructor(
    private readonly stream: Duplex,
    transport: NodeJS.EventEmitter = stream,
  ) {
    stream.on('error', () => undefined);
    // Whatever the broker answers (CONNACK, PUBACK) is counted and otherwise ignored; unread, 'close' never comes.
    stream.on('data', (chunk: Buffer) => (this.receivedBytes += chunk.length));
    this.closing = new Promise((resolve) => transport.once('close', () => resolve()));
    void this.closing.then(() => (this.closed = true));
  }

  /** Sends a CONNECT and waits for the CONNACK, as a client that means to stay would. */
  async connect(clientId: string): Promise<void> {
    this.write(connectPacket(clientId));
    await waitUntil(`the CONNACK for ${clientId}`, () => this.receivedBytes >= CONNACK_BYTES);
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.stream.write(bytes);
  }

  /** Resolves once the bytes are handed to the transport, or the connection is gone. */
  writeAndWait(bytes: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.stream.write(bytes, () => resolve());
      void this.closing.then(() => resolve());
    });
  }

  /** Half-closes: the broker sees the end of what it was sent. */
  end(): void {
    this.stream.end();
  }

  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.closing.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

async function openRaw(listener: ListenerAddress): Promise<RawConnection> {
  const { protocol, host, port, url } = listener;
  switch (protocol) {
    case 'mqtt': {
      const socket = connectTcp(port, host);
      await settled(socket, 'connect');
      return new RawConnection(socket);
    }
    case 'mqtts': {
      const socket = connectTls({ host, port, ca: caCert });
      await settled(socket, 'secureConnect');
      return new RawConnection(socket);
    }
    case 'ws':
    case 'wss': {
      const webSocket = new WebSocket(url, 'mqtt', { ca: caCert });
      await settled(webSocket, 'open');
      return new RawConnection(createWebSocketStream(webSocket), webSocket);
    }
  }
}

function settled(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once(event, () => resolve());
    emitter.once('error', reject);
  });
}

function connectPacket(clientId: string): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60 });
}

function publishPacket(topic: string, payload: string | Buffer): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
}

/** A CONNECT's protocol name sits right after the fixed header (1 byte + a 1-byte length for small packets) and its own 2-byte length. */
function withProtocolName(connect: Buffer, name: string): Buffer {
  const patched = Buffer.from(connect);
  patched.write(name, 4, 'latin1');
  return patched;
}

function withProtocolLevel(connect: Buffer, level: number): Buffer {
  const patched = Buffer.from(connect);
  patched[8] = level;
  return patched;
}

/** A QoS 0 PUBLISH whose topic is the given raw bytes, which mqtt-packet would not encode. */
function withTopicBytes(topic: Buffer, payload: string): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}

/** MQTT's variable byte integer: 7 bits a byte, least significant first. */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

/** mulberry32: small, fast and good enough to make garbage that a seed reproduces. */
function seededRandom(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A full GC before each sample: the attackers run in this process too, and the copies their clients
 * make of the 5 MB PUBLISHes are garbage that Node 24 may keep for a while (peaks of 3.5–12.9 MB of
 * "buffers" without it, 3–5 MB after a young-generation GC alone, 0.1–0.4 MB after a full one);
 * so what is counted is what is still held, as a broker that buffered those PUBLISHes would hold them.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
  return () => gc({ type: 'major' });
})();

/** The highest memory use seen above the start, sampled every 50 ms. */
class MemoryWatch {
  private readonly start = (collectGarbage(), process.memoryUsage());
  private readonly peak = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
  private readonly timer = setInterval(() => this.sample(), 50);

  stop(): { rss: number; heapUsed: number; arrayBuffers: number } {
    clearInterval(this.timer);
    this.sample();
    return { ...this.peak };
  }

  private sample(): void {
    collectGarbage();
    const now = process.memoryUsage();
    for (const key of ['rss', 'heapUsed', 'arrayBuffers'] as const) this.peak[key] = Math.max(this.peak[key], now[key] - this.start[key]);
  }
}

const refusalsOf = (recent: Refusal[], clientId: string) => recent.filter((refusal) => refusal.clientId === clientId);
const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
