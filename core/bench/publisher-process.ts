import mqtt from 'mqtt';
import { readingsDue } from '../emulator/publish-schedule.js';
import { THERMOSTAT_TOPIC } from '../ingest/thermostat-rule.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';
import { RawMqttPublisher } from './raw-mqtt-publisher.js';

/**
 * A benchmark publisher, run as its own process so the devices' CPU is not the ingest process's.
 * Payloads come from a pre-built pool of emulator readings: the bench measures the broker, ingest
 * and Redis, not JSON.stringify in a fake device.
 */
export interface PublisherJob {
  brokerUrl: string;
  /** Readings per second for this process, or 'max' to publish as fast as the broker takes them. */
  rate: number | 'max';
  durationMs: number;
  qos: 0 | 1;
  devices: number;
  /** 'raw' pre-encodes packets (lean); 'mqtt.js' publishes through the emulator's client library. */
  client: 'raw' | 'mqtt.js';
}

export interface PublisherResult {
  published: number;
  acknowledged: number;
  /** CPU seconds this publisher process used while publishing. */
  cpuSeconds: number;
}

/** What a publisher needs from either client. */
interface Sender {
  published: number;
  acknowledged: number;
  bufferedBytes: number;
  send(count: number): void;
  close(): Promise<void>;
}

const POOL_SIZE = 20_000;
const TICK_MS = 10;
const MAX_UNACKED = 5000;
const HIGH_WATER_BYTES = 256 * 1024;
const MAX_PER_WRITE = 500;

async function mqttJsSender(url: string, clientId: string, pool: Buffer[], qos: 0 | 1): Promise<Sender> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
  const sender: Sender = {
    published: 0,
    acknowledged: 0,
    get bufferedBytes() {
      return client.stream.writableLength;
    },
    send(count) {
      for (let i = 0; i < count; i++) {
        client.publish(THERMOSTAT_TOPIC, pool[sender.published % POOL_SIZE]!, { qos }, () => (sender.acknowledged += 1));
        sender.published += 1;
      }
    },
    close: () => client.endAsync(),
  };
  return sender;
}

async function publish(job: PublisherJob): Promise<PublisherResult> {
  const next = thermostatGenerator({ devices: job.devices });
  const pool = Array.from({ length: POOL_SIZE }, () => Buffer.from(JSON.stringify(next())));
  const clientId = `bench-publisher-${process.pid}`;
  const sender: Sender =
    job.client === 'raw'
      ? await RawMqttPublisher.connect(job.brokerUrl, clientId, THERMOSTAT_TOPIC, pool, job.qos)
      : await mqttJsSender(job.brokerUrl, clientId, pool, job.qos);
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + job.durationMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= deadline) return resolve();
      const room = Math.max(0, MAX_UNACKED - (sender.published - sender.acknowledged));
      if (job.rate === 'max') {
        // Blocked on the broker: sleep rather than spin, the core is needed by the broker and Redis.
        if (room === 0 || sender.bufferedBytes >= HIGH_WATER_BYTES) return void setTimeout(tick, 1);
        sender.send(Math.min(room, MAX_PER_WRITE));
        setImmediate(tick);
        return;
      }
      sender.send(Math.min(room, readingsDue(job.rate, now - started, sender.published)));
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const settleDeadline = performance.now() + 10_000;
  while (sender.acknowledged < sender.published && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpuAtStart);
  const result = { published: sender.published, acknowledged: sender.acknowledged, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  await sender.close();
  return result;
}

process.once('message', (job: PublisherJob) => {
  publish(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: Error) => {
      process.stderr.write(`publisher failed: ${error.message}\n`);
      process.exit(1);
    },
  );
});
