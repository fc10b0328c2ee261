import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { meterId, meterReading } from '../emulator/meter-generator.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';
import { classifyClimate } from '../model/climate.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import { createKeySchema, type KeySchema } from '../model/keys.js';

/** A million keys of the data model's shapes and some others, written as a production keyspace would hold them. */

const DAY = 86_400;
/** Commands per pipeline while filling: one round trip per 10,000 keys. */
const FILL_BATCH = 10_000;
const FILL_PROGRESS_EVERY = 100_000;

interface FillContext {
  keys: KeySchema;
  /** The first of the two days of energy buckets each meter has. */
  firstDay: number;
  now: number;
  nextThermostat: ReturnType<typeof thermostatGenerator>;
}

type KeyWriter = (pipeline: ChainableCommander, ordinal: number, context: FillContext) => void;

/** Two daily bucket lists per meter, each holding one reading, as ingest leaves them. */
const energyBucket: KeyWriter = (pipeline, ordinal, { keys, firstDay }) => {
  const deviceId = meterId(Math.floor(ordinal / 2) + 1);
  const bucketStart = firstDay + (ordinal % 2) * DAY;
  pipeline.rpush(keys.energyBucket(deviceId, bucketStart), JSON.stringify(meterReading(deviceId, bucketStart, 300)));
};

const meterDevice: KeyWriter = (pipeline, ordinal, { keys, now }) => {
  pipeline.hset(keys.meterDevice(meterId(ordinal + 1)), 'kind', 'meter', 'firstSeen', now - 2 * DAY * 1000, 'lastSeen', now, 'readings', 2, 'transport', 'udp');
};

/** The source document's thermostat hash, named by the bare numeric device id: the emulator's values, a distinct id per key. */
const thermostatDevice: KeyWriter = (pipeline, ordinal, { keys, now, nextThermostat }) => {
  const { temperature, deviceIP, humidity } = nextThermostat();
  const climate = classifyClimate(temperature);
  pipeline.hset(keys.deviceHash(String(ordinal + 1)), { temperature, deviceIP, humidity, climate, timestamp: now, requestId: ordinal });
};

/** Web sessions expiring within a day: the kind of key a shared Redis is full of. */
const session: KeyWriter = (pipeline, ordinal, { now }) => {
  pipeline.set(`session:${randomUUID()}`, JSON.stringify({ user: `u${ordinal % 50_000}`, createdAt: now }), 'EX', 3600 + (ordinal % DAY));
};

/** Work queues of the three collection types SCAN's TYPE filter tells apart. */
const queue: KeyWriter = (pipeline, ordinal, { now }) => {
  const key = `queue:${ordinal}`;
  if (ordinal % 3 === 0) pipeline.zadd(key, now, 'job:1', now + 1, 'job:2', now + 2, 'job:3');
  else if (ordinal % 3 === 1) pipeline.sadd(key, 'worker:1', 'worker:2', 'worker:3');
  else pipeline.xadd(key, '*', 'job', String(ordinal), 'at', String(now));
};

/** Each ten consecutive keys of the fill: 4 energy buckets, 2 meter hashes, 2 thermostat hashes, a session, a queue. */
const KEY_MIX: Array<{ write: KeyWriter; share: number }> = [
  { write: energyBucket, share: 4 },
  { write: meterDevice, share: 2 },
  { write: thermostatDevice, share: 2 },
  { write: session, share: 1 },
  { write: queue, share: 1 },
];

/** Key `index` of the fill: its kind from `index % 10`, and which one of that kind it is. */
function writeKey(pipeline: ChainableCommander, index: number, context: FillContext): void {
  const tens = Math.floor(index / 10);
  let slot = index % 10;
  for (const { write, share } of KEY_MIX) {
    if (slot < share) return write(pipeline, tens * share + slot, context);
    slot -= share;
  }
}

export async function fillKeyspace(redis: Redis, total: number, log: (line: string) => void): Promise<{ keysPerSec: number }> {
  const now = Date.now();
  const context: FillContext = {
    keys: createKeySchema({ keyPrefix: '' }),
    firstDay: bucketStartOf(Math.floor(now / 1000) - 2 * DAY, DAY),
    now,
    nextThermostat: thermostatGenerator({ devices: 5000 }),
  };
  await redis.flushall();
  const started = performance.now();
  for (let from = 0; from < total; from += FILL_BATCH) {
    const pipeline = redis.pipeline();
    const to = Math.min(total, from + FILL_BATCH);
    for (let index = from; index < to; index++) writeKey(pipeline, index, context);
    throwFirstError(await pipeline.exec());
    if (to % FILL_PROGRESS_EVERY === 0 && to < total) log(`  fill: ${to.toLocaleString('en')} keys, ${Math.round(to / ((performance.now() - started) / 1000)).toLocaleString('en')} keys/s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const keysPerSec = total / seconds;
  log(`fill: ${total.toLocaleString('en')} keys in ${seconds.toFixed(1)} s, ${Math.round(keysPerSec).toLocaleString('en')} keys/s (pipelines of ${FILL_BATCH.toLocaleString('en')})`);
  return { keysPerSec };
}

function throwFirstError(replies: Array<[Error | null, unknown]> | null): void {
  const failed = replies?.find(([error]) => error);
  if (failed) throw failed[0]!;
}
