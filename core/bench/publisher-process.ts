import mqtt from 'mqtt';
import { readingsDue } from '../emulator/publish-schedule.js';
import { THERMOSTAT_TOPIC } from '../emulator/thermostat-emulator.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';

/**
 * A benchmark publisher, run as its own process so the devices' CPU is not the ingest process's.
 * Payloads come from a pre-built pool of emulator readings: the bench measures the broker, ingest
 * and Redis, not JSON.stringify in a fake device.
 */
export interface PublisherJob {
  brokerUrl: string;
  /** Readings per second for this process, or 'max' to publish as fast as the socket drains. */
  rate: number | 'max';
  durationMs: number;
  qos: 0 | 1;
  devices: number;
}

export interface PublisherResult {
  published: number;
  acknowledged: number;
}

const POOL_SIZE = 20_000;
const TICK_MS = 10;
const MAX_UNACKED = 5000;
const HIGH_WATER_BYTES = 256 * 1024;

async function publish(job: PublisherJob): Promise<PublisherResult> {
  const next = thermostatGenerator({ devices: job.devices });
  const pool = Array.from({ length: POOL_SIZE }, () => Buffer.from(JSON.stringify(next())));
  const client = await mqtt.connectAsync(job.brokerUrl, { clientId: `bench-publisher-${process.pid}`, reconnectPeriod: 0 });
  let published = 0;
  let acknowledged = 0;
  const onSent = () => {
    acknowledged += 1;
  };
  const send = (count: number) => {
    for (let i = 0; i < count; i++) {
      client.publish(THERMOSTAT_TOPIC, pool[published % POOL_SIZE]!, { qos: job.qos }, onSent);
      published += 1;
    }
  };
  const started = performance.now();
  const deadline = started + job.durationMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= deadline) return resolve();
      const room = MAX_UNACKED - (published - acknowledged);
      if (job.rate === 'max') {
        if (client.stream.writableLength < HIGH_WATER_BYTES && room > 0) send(Math.min(room, 500));
        setImmediate(tick);
        return;
      }
      send(Math.min(Math.max(0, room), readingsDue(job.rate, now - started, published)));
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const settleDeadline = performance.now() + 10_000;
  while (acknowledged < published && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 20));
  await client.endAsync();
  return { published, acknowledged };
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
