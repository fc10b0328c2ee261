import mqtt from 'mqtt';
import { readingsDue } from '../emulator/publish-schedule.js';
import { THERMOSTAT_TOPIC } from '../domain/topics.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';
import { runLoadJob, type LoadControl } from './load-process.js';
import { PublishTemplates, RawMqttPublisher } from './raw-mqtt-publisher.js';

/**
 * A benchmark publisher, run as its own process so the devices' CPU is not the ingest process's.
 * Payloads come from a pre-built pool of emulator readings: the bench measures the broker, ingest
 * and Redis, not JSON.stringify in a fake device.
 */
export interface PublisherJob {
  /** mqtt:// or mqtts://. */
  brokerUrl: string;
  /** The CA an mqtts:// broker's certificate is checked against. */
  ca?: string;
  /** MQTT connections this process publishes over, each its own client; the readings are spread over them. */
  connections: number;
  /** Readings per second for this process, or 'max' to publish as fast as the broker takes them. */
  rate: number | 'max';
  durationMs: number;
  qos: 0 | 1;
  devices: number;
  /** 'raw' pre-encodes packets (lean); 'mqtt.js' publishes through the emulator's client library. */
  client: 'raw' | 'mqtt.js';
  /** publish→PUBACK latency is recorded for publishes sent this long after the go (the warm-up), raw client only. */
  measureAfterMs?: number;
}

/** Where a publisher stands: what it published and had acknowledged so far. */
export interface PublisherProgress {
  published: number;
  acknowledged: number;
  /**
   * publish→PUBACK of the acknowledgements since the previous report (or, the first time, since the
   * warm-up); null for QoS 0, the mqtt.js client, or none in that time.
   */
  pubackLatencyMs: { p50: number; p99: number; samples: number } | null;
}

export interface PublisherResult extends PublisherProgress {
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
  measureFrom?(at: number): void;
  pubackLatenciesMs?: number[];
}

const POOL_SIZE = 20_000;
const TICK_MS = 10;
/** Unacknowledged readings per process, shared out among its connections. */
const MAX_UNACKED = 5000;
const HIGH_WATER_BYTES = 256 * 1024;
const MAX_PER_WRITE = 500;

async function mqttJsSender(url: string, clientId: string, pool: Buffer[], qos: 0 | 1, ca: string | undefined): Promise<Sender> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...(ca !== undefined && { ca }) });
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

async function publish(job: PublisherJob, control: LoadControl<PublisherProgress>): Promise<PublisherResult> {
  const next = thermostatGenerator({ devices: job.devices });
  const pool = Array.from({ length: POOL_SIZE }, () => Buffer.from(JSON.stringify(next())));
  const senders = await connectSenders(job, pool);
  const window = Math.ceil(MAX_UNACKED / senders.length);
  const unacked = (sender: Sender) => sender.published - sender.acknowledged;
  const publishedSoFar = () => senders.reduce((sum, sender) => sum + sender.published, 0);
  const progress = (): PublisherProgress => ({
    published: publishedSoFar(),
    acknowledged: senders.reduce((sum, sender) => sum + sender.acknowledged, 0),
    // Taking the samples out keeps a long soak's memory flat and makes each report cover its own interval.
    pubackLatencyMs: job.qos === 0 ? null : percentiles(senders.flatMap((sender) => sender.pubackLatenciesMs?.splice(0) ?? [])),
  });
  control.answerReports(progress);
  await control.readyForGo();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + job.durationMs;
  for (const sender of senders) sender.measureFrom?.(started + (job.measureAfterMs ?? 0));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= deadline) return resolve();
      if (job.rate === 'max') {
        let sent = false;
        for (const sender of senders) {
          const room = Math.max(0, window - unacked(sender));
          if (room === 0 || sender.bufferedBytes >= HIGH_WATER_BYTES) continue;
          sender.send(Math.min(room, MAX_PER_WRITE));
          sent = true;
        }
        // Blocked on the broker: sleep rather than spin, the core is needed by the broker and Redis.
        if (sent) setImmediate(tick);
        else setTimeout(tick, 1);
        return;
      }
      sendSpread(senders, readingsDue(job.rate, now - started, publishedSoFar()), (sender) => Math.max(0, window - unacked(sender)));
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const settleDeadline = performance.now() + 10_000;
  while (senders.some((sender) => unacked(sender) > 0) && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpuAtStart);
  const result = { ...progress(), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  await Promise.all(senders.map((sender) => sender.close()));
  return result;
}

function percentiles(samples: number[]): PublisherResult['pubackLatencyMs'] {
  if (samples.length === 0) return null;
  const sorted = samples.sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** One after the other, as devices come online; the raw client's connections share one set of encoded packets. */
async function connectSenders(job: PublisherJob, pool: Buffer[]): Promise<Sender[]> {
  const templates = job.client === 'raw' ? new PublishTemplates(THERMOSTAT_TOPIC, pool, job.qos) : null;
  const senders: Sender[] = [];
  for (let index = 0; index < job.connections; index++) {
    const clientId = `bench-publisher-${process.pid}-${index}`;
    const firstTemplate = Math.floor((index * POOL_SIZE) / job.connections);
    senders.push(
      templates
        ? await RawMqttPublisher.connect(job.brokerUrl, clientId, templates, firstTemplate, job.ca)
        : await mqttJsSender(job.brokerUrl, clientId, pool, job.qos, job.ca),
    );
  }
  return senders;
}

/** `count` readings shared out evenly over the connections, each taking no more than it has room for. */
function sendSpread(senders: Sender[], count: number, roomOf: (sender: Sender) => number): void {
  let left = count;
  const share = Math.ceil(count / senders.length);
  for (const sender of senders) {
    if (left <= 0) return;
    const sending = Math.min(share, left, roomOf(sender));
    sender.send(sending);
    left -= sending;
  }
}

runLoadJob('publisher', publish);
