import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../../core/broker/broker.js';
import { MAX_PAYLOAD_BYTES, MeterEmulator, type MeterEmulatorOptions } from '../../../core/emulator/meter-emulator.js';
import { meterId, meterReading } from '../../../core/emulator/meter-generator.js';
import type { ParseResult } from '../../../core/ingest/json-payload.js';
import { parseMeterDatagram, parseMeterMqttPayload, type MeterPayload } from '../../../core/ingest/meter-payload.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** What ingest accepts by default (energy.maxPayloadBytes). */
const INGEST_MAX_PAYLOAD_BYTES = 65_507;
const INTERVAL_SECONDS = 300;
const DAY_SECONDS = 86_400;

/**
 * Real time moved to the middle of a reading interval, so no interval ends during a test and a day
 * of history is exactly 288 readings per meter.
 */
function midIntervalClock(): () => number {
  const startedAt = Date.now();
  const intervalMs = INTERVAL_SECONDS * 1000;
  const shifted = startedAt - (startedAt % intervalMs) + intervalMs / 2;
  return () => shifted + (Date.now() - startedAt);
}

/** The slots a day of history covers: from a day before `realNow`, up to the last interval that has ended. */
function slotsOfLastDay(realNow: number): number[] {
  const lastStart = Math.floor(realNow / 1000 / INTERVAL_SECONDS) * INTERVAL_SECONDS;
  return Array.from({ length: DAY_SECONDS / INTERVAL_SECONDS }, (_, i) => lastStart - DAY_SECONDS + i * INTERVAL_SECONDS);
}

/** Timestamps received per meter, in arrival order. */
function timestampsByMeter(payloads: MeterPayload[]): Map<string, number[]> {
  const byMeter = new Map<string, number[]>();
  for (const { deviceId, readings } of payloads) {
    const timestamps = byMeter.get(deviceId) ?? [];
    timestamps.push(...readings.map((reading) => reading.timestamp));
    byMeter.set(deviceId, timestamps);
  }
  return byMeter;
}

const meterIds = (meters: number) => Array.from({ length: meters }, (_, i) => meterId(i + 1));

/** What arrived, each payload parsed as ingest parses it when it arrives. */
class Received {
  readonly payloads: MeterPayload[] = [];
  readonly rejections: string[] = [];
  readings = 0;

  add(parsed: ParseResult<MeterPayload>): void {
    if (!parsed.ok) {
      this.rejections.push(`${parsed.rejection.reason}: ${parsed.rejection.detail}`);
      return;
    }
    this.payloads.push(parsed.value);
    this.readings += parsed.value.readings.length;
  }

  clear(): void {
    this.payloads.length = 0;
    this.rejections.length = 0;
    this.readings = 0;
  }
}

/** A UDP socket on loopback, as the meter datagram listener would be, that keeps what it receives. */
class DatagramCollector extends Received {
  readonly sizes: number[] = [];

  private constructor(readonly socket: Socket) {
    super();
    socket.on('message', (datagram) => {
      this.sizes.push(datagram.length);
      this.add(parseMeterDatagram(datagram, INGEST_MAX_PAYLOAD_BYTES));
    });
  }

  static async start(): Promise<DatagramCollector> {
    // A large receive buffer, as the real listener asks for: the emulator sends a tick's datagrams at once.
    const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new DatagramCollector(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  override clear(): void {
    super.clear();
    this.sizes.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

let emulator: MeterEmulator | null = null;

async function startEmulator(options: Partial<MeterEmulatorOptions> & Pick<MeterEmulatorOptions, 'transport'>): Promise<MeterEmulator> {
  const started = new MeterEmulator({ udp: null, brokerUrl: null, meters: 10, intervalSeconds: INTERVAL_SECONDS, speed: 1, historyDays: 0, ...options });
  emulator = started;
  await started.start();
  return started;
}

/** Before a test's receiver is checked and cleared, so nothing the emulator sends later leaks into the next test. */
async function stopEmulator(): Promise<void> {
  await emulator?.stop();
  emulator = null;
}

describe('meter emulator over UDP', () => {
  let collector: DatagramCollector;

  beforeAll(async () => {
    collector = await DatagramCollector.start();
  });

  afterEach(async () => {
    await stopEmulator();
    expect(collector.rejections).toEqual([]);
    collector.clear();
  });

  afterAll(async () => {
    await stopEmulator();
    await collector?.close();
  });

  it('sends a day of history, every reading exactly once and in order, within seconds, then is caught up', async () => {
    const now = midIntervalClock();
    const startedAt = Date.now();
    const meters = await startEmulator({ transport: 'udp', udp: { host: '127.0.0.1', port: collector.port }, speed: 28_800, historyDays: 1, now });
    expect(meters.status()).toMatchObject({ running: true, transport: 'udp', meters: 10, caughtUp: false });

    await waitUntil('a day of readings from 10 meters', () => meters.status().caughtUp && collector.readings >= 2880);
    expect(Date.now() - startedAt).toBeLessThan(8000);

    const byMeter = timestampsByMeter(collector.payloads);
    expect([...byMeter.keys()].sort()).toEqual(meterIds(10));
    for (const timestamps of byMeter.values()) expect(timestamps).toEqual(slotsOfLastDay(now()));
    expect(Math.max(...collector.sizes)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(meters.status()).toMatchObject({ sent: 2880, sendErrors: 0, lastError: null, caughtUp: true });
    expect(meters.status().emulatedNow).toBeGreaterThan(now() - 1000);
    const [first] = collector.payloads;
    expect(first!.readings[0]).toEqual(meterReading(first!.deviceId, first!.readings[0]!.timestamp, INTERVAL_SECONDS));
  });

  it('adds meters while running: they start with the reading being sent and end with the others', async () => {
    const now = midIntervalClock();
    const meters = await startEmulator({ transport: 'udp', udp: { host: '127.0.0.1', port: collector.port }, meters: 5, speed: 28_800, historyDays: 1, now });
    await waitUntil('a third of the day', () => collector.readings >= 500);
    await meters.reconfigure({ meters: 8 });
    await waitUntil('the rest of the day', () => meters.status().caughtUp && timestampsByMeter(collector.payloads).get(meterId(8))?.at(-1) === slotsOfLastDay(now()).at(-1));

    const byMeter = timestampsByMeter(collector.payloads);
    const day = slotsOfLastDay(now());
    for (const id of meterIds(5)) expect(byMeter.get(id)).toEqual(day);
    for (const id of [meterId(6), meterId(7), meterId(8)]) {
      const timestamps = byMeter.get(id)!;
      expect(timestamps.length).toBeGreaterThan(0);
      expect(timestamps.length).toBeLessThan(day.length);
      expect(timestamps).toEqual(day.slice(day.length - timestamps.length));
    }
    expect(meters.status()).toMatchObject({ meters: 8, sent: collector.readings });
  });

  it('slows emulated time down to the rate cap instead of skipping readings or flooding the socket', async () => {
    const now = midIntervalClock();
    const startedAt = Date.now();
    const meters = await startEmulator({
      transport: 'udp',
      udp: { host: '127.0.0.1', port: collector.port },
      meters: 20,
      speed: 1_000_000,
      historyDays: 1,
      maxReadingsPerSecond: 2000,
      now,
    });

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const midway = meters.status();
    expect(midway.caughtUp).toBe(false);
    // At a million times real speed the clock alone would have caught up at once.
    expect(midway.emulatedNow).toBeLessThan(now() - 6 * 3600 * 1000);
    expect(midway.ratePerSec).toBeGreaterThan(1000);
    expect(midway.ratePerSec).toBeLessThan(2600);

    await waitUntil('a day of readings from 20 meters', () => meters.status().caughtUp && collector.readings >= 5760);
    // 5760 readings at 2000/s, less the first tick's burst allowance.
    expect(Date.now() - startedAt).toBeGreaterThan(2300);
    for (const timestamps of timestampsByMeter(collector.payloads).values()) expect(timestamps).toEqual(slotsOfLastDay(now()));
    expect(midway.emulatedNow).toBeLessThan(meters.status().emulatedNow);
  });

  it('splits a meter’s backlog over several datagrams, none larger than 60,000 bytes', async () => {
    const now = midIntervalClock();
    const meters = await startEmulator({
      transport: 'udp',
      udp: { host: '127.0.0.1', port: collector.port },
      meters: 1,
      speed: 1_000_000,
      historyDays: 1,
      maxReadingsPerSecond: 100_000,
      now,
    });
    await waitUntil('a day of readings from one meter', () => meters.status().caughtUp && collector.readings >= 288);

    const { sizes } = collector;
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(Math.max(...sizes)).toBeGreaterThan(MAX_PAYLOAD_BYTES - 1000);
    expect(timestampsByMeter(collector.payloads).get(meterId(1))).toEqual(slotsOfLastDay(now()));
  });

  it('stops sending on stop(), and goes on where it stopped on start()', async () => {
    const now = midIntervalClock();
    const meters = await startEmulator({ transport: 'udp', udp: { host: '127.0.0.1', port: collector.port }, meters: 5, speed: 2880, historyDays: 1, now });
    await waitUntil('the first readings', () => collector.readings >= 50);

    await meters.stop();
    await meters.stop();
    const { sent, running } = meters.status();
    expect(running).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(collector.readings).toBe(sent);
    expect(meters.status()).toMatchObject({ sent, ratePerSec: 0 });

    await meters.start();
    await meters.start();
    await waitUntil('more readings', () => collector.readings >= sent + 50);
    await meters.stop();
    const received = timestampsByMeter(collector.payloads);
    for (const timestamps of received.values()) {
      expect(timestamps).toEqual(slotsOfLastDay(now()).slice(0, timestamps.length));
    }
    expect(collector.readings).toBe(meters.status().sent);
  });

  it('replays history when historyDays is set while running, at the new speed', async () => {
    const now = midIntervalClock();
    const meters = await startEmulator({ transport: 'udp', udp: { host: '127.0.0.1', port: collector.port }, meters: 3, speed: 1, historyDays: 0, now });
    expect(meters.status()).toMatchObject({ caughtUp: true, speed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(collector.readings).toBe(0); // in real time the current interval has not ended yet

    await meters.reconfigure({ historyDays: 1, speed: 28_800 });
    expect(meters.status()).toMatchObject({ caughtUp: false, speed: 28_800 });
    expect(meters.status().emulatedNow).toBeLessThanOrEqual(now() - DAY_SECONDS * 1000);
    await waitUntil('the replayed day', () => meters.status().caughtUp && collector.readings >= 3 * 288);
    for (const timestamps of timestampsByMeter(collector.payloads).values()) expect(timestamps).toEqual(slotsOfLastDay(now()));
  });

  it('refuses to start without an address for the chosen transport, and says which', async () => {
    const meters = new MeterEmulator({ udp: null, brokerUrl: null, meters: 1, intervalSeconds: 300, speed: 1, historyDays: 0, transport: 'udp' });
    await expect(meters.start()).rejects.toThrow(/udp.*no UDP address/);
    await meters.reconfigure({ transport: 'mqtt' });
    await expect(meters.start()).rejects.toThrow(/mqtt.*no broker URL/);
    expect(meters.status().running).toBe(false);
    expect(() => meters.reconfigure({ meters: 0 })).toThrow(/meters must be a whole number/);
    expect(meters.status().meters).toBe(1);
  });
});

describe('meter emulator over MQTT', () => {
  let broker: Broker;
  let unsubscribe: () => Promise<void>;
  const received = new Received();
  const topics = new Set<string>();

  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    unsubscribe = await broker.subscribe('meters/+/energy', (message, done) => {
      topics.add(message.topic);
      received.add(parseMeterMqttPayload(message.topic, message.payload, INGEST_MAX_PAYLOAD_BYTES));
      done();
    });
  });

  afterEach(async () => {
    await stopEmulator();
    expect(received.rejections).toEqual([]);
    received.clear();
    topics.clear();
  });

  afterAll(async () => {
    await stopEmulator();
    await unsubscribe?.();
    await broker?.close();
  });

  it('publishes each meter’s readings on meters/<deviceId>/energy, as many as it reports sent', async () => {
    const now = midIntervalClock();
    const meters = await startEmulator({ transport: 'mqtt', brokerUrl: broker.url, meters: 5, speed: 28_800, historyDays: 1, now });
    await waitUntil('a day of readings from 5 meters', () => meters.status().caughtUp && received.readings >= 1440);
    await meters.stop();

    expect([...topics].sort()).toEqual(meterIds(5).map((id) => `meters/${id}/energy`));
    const byMeter = timestampsByMeter(received.payloads);
    expect([...byMeter.keys()].sort()).toEqual(meterIds(5));
    for (const timestamps of byMeter.values()) expect(timestamps).toEqual(slotsOfLastDay(now()));
    expect(meters.status()).toMatchObject({ sent: received.readings, sendErrors: 0, running: false });
  });

  it('switches from UDP to MQTT while running without losing or repeating a reading', async () => {
    const collector = await DatagramCollector.start();
    try {
      const now = midIntervalClock();
      const meters = await startEmulator({
        transport: 'udp',
        udp: { host: '127.0.0.1', port: collector.port },
        brokerUrl: broker.url,
        meters: 5,
        speed: 28_800,
        historyDays: 1,
        now,
      });
      await waitUntil('readings over UDP', () => collector.readings >= 100);
      await meters.reconfigure({ transport: 'mqtt' });
      expect(meters.status()).toMatchObject({ transport: 'mqtt', running: true });
      await waitUntil('the rest of the day over MQTT', () => meters.status().caughtUp && collector.readings + received.readings >= 1440);
      await meters.stop();

      const both = timestampsByMeter([...collector.payloads, ...received.payloads]);
      for (const timestamps of both.values()) expect(timestamps).toEqual(slotsOfLastDay(now()));
      expect(received.readings).toBeGreaterThan(0);
      expect(meters.status().sent).toBe(1440);
    } finally {
      await collector.close();
    }
  });
});
