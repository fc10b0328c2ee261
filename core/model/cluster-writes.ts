import { CLIMATES, type Climate } from './climate.js';
import type { DeadLetter } from './dead-letter-persist.js';
import type { KeySchema } from './keys.js';
import { groupByMeter } from './meter-persist.js';
import type { MeterReading } from './meter-reading.js';
import type { RedisCommand } from './redis-command.js';
import { warningMessage } from './thermostat-persist.js';
import type { ThermostatReading } from './thermostat-reading.js';
import { topicHashWrites, type TopicHashEntry } from './topic-hash-persist.js';

/**
 * One write of a batch bound for a Redis Cluster: a command on one key (or none, for PUBLISH), so
 * it can go to the node serving that key's slot, and how many readings it would count a second time
 * if it were applied twice (INCRBY of a climate counter, RPUSH of a bucket, …); 0 for a write that
 * leaves the same state however often it is applied (ZADD, HSET, SADD).
 */
export interface ClusterWrite {
  key: string | null;
  command: RedisCommand;
  countedAgainIfRepeated: number;
}

export interface ClusterBatchItems {
  readings: readonly ThermostatReading[];
  meterReadings: readonly MeterReading[];
  topicHashes: readonly TopicHashEntry[];
  deadLetters: readonly DeadLetter[];
}

/** Members per ZADD: Lua-free, but a single command of millions of arguments would hold its node. */
const MEMBERS_PER_COMMAND = 2000;

/**
 * The writes that leave a cluster as the single-server batch scripts leave one Redis, with the
 * source documents' key names unchanged: no command names keys of two slots, so none needs a
 * transaction. The device hashes get the last reading of each device, SensorData one score per
 * reading in arrival order, each climate counter one INCRBY, each hot reading one PUBLISH.
 */
export function clusterWrites(items: ClusterBatchItems, keys: KeySchema, bucketSeconds: number, nowMs: number, deadLetterCap: number): ClusterWrite[] {
  return [
    ...thermostatClusterWrites(items.readings, keys),
    ...meterClusterWrites(items.meterReadings, keys, bucketSeconds, nowMs),
    ...topicHashWrites(items.topicHashes, keys).map((command) => idempotent(command)),
    ...deadLetterClusterWrites(items.deadLetters, keys, deadLetterCap),
  ];
}

function thermostatClusterWrites(readings: readonly ThermostatReading[], keys: KeySchema): ClusterWrite[] {
  if (readings.length === 0) return [];
  const writes: ClusterWrite[] = [];
  const latestByDevice = new Map<string, ThermostatReading>();
  const climateCounts: Record<Climate, number> = { hot: 0, warm: 0, cool: 0, cold: 0 };
  const warnings: string[] = [];
  for (let start = 0; start < readings.length; start += MEMBERS_PER_COMMAND) {
    const scored = readings.slice(start, start + MEMBERS_PER_COMMAND).flatMap((reading) => [reading.timestamp, reading.deviceId]);
    writes.push(idempotent(['zadd', keys.sensorData, ...scored]));
  }
  for (const reading of readings) {
    latestByDevice.set(reading.deviceId, reading);
    climateCounts[reading.climate] += 1;
    if (reading.climate === 'hot') warnings.push(warningMessage(reading));
  }
  for (const reading of latestByDevice.values()) {
    const { temperature, deviceIP, humidity, climate, timestamp, requestId } = reading;
    writes.push(idempotent(['hset', keys.deviceHash(reading.deviceId), 'temperature', temperature, 'deviceIP', deviceIP, 'humidity', humidity, 'climate', climate, 'timestamp', timestamp, 'requestId', requestId]));
  }
  for (const climate of CLIMATES) {
    const count = climateCounts[climate];
    if (count > 0) writes.push({ key: keys.climateCounter(climate), command: ['incrby', keys.climateCounter(climate), count], countedAgainIfRepeated: count });
  }
  // A cluster forwards a PUBLISH to every node's subscribers, whichever node takes it.
  for (const message of warnings) writes.push({ key: null, command: ['publish', keys.warningsChannel, message], countedAgainIfRepeated: 1 });
  return writes;
}

/**
 * Per bucket an RPUSH of its readings, per meter its hash (kind, lastSeen, transport, the readings
 * count, firstSeen once) and bucket index, then the pending set and the meters index. Unlike the
 * single-server script no write depends on another's reply (each lies in its own slot), so the
 * bucket index is given its bucket every time and firstSeen is set with HSETNX.
 */
function meterClusterWrites(readings: readonly MeterReading[], keys: KeySchema, bucketSeconds: number, nowMs: number): ClusterWrite[] {
  if (readings.length === 0) return [];
  const writes: ClusterWrite[] = [];
  const pending: string[] = [];
  const seen: Array<string | number> = [];
  for (const [deviceId, meter] of groupByMeter(readings, bucketSeconds)) {
    const hash = keys.meterDevice(deviceId);
    for (const [bucketStart, lines] of meter.buckets) {
      const list = keys.energyBucket(deviceId, bucketStart);
      writes.push({ key: list, command: ['rpush', list, ...lines], countedAgainIfRepeated: lines.length });
      writes.push(idempotent(['zadd', keys.meterBuckets(deviceId), bucketStart, bucketStart]));
      pending.push(list);
    }
    writes.push(idempotent(['hset', hash, 'kind', 'meter', 'lastSeen', nowMs, 'transport', meter.transport]));
    writes.push({ key: hash, command: ['hincrby', hash, 'readings', meter.readings], countedAgainIfRepeated: meter.readings });
    writes.push(idempotent(['hsetnx', hash, 'firstSeen', nowMs]));
    seen.push(nowMs, deviceId);
  }
  writes.push(idempotent(['sadd', keys.energyPending, ...pending]));
  writes.push(idempotent(['zadd', keys.meters, ...seen]));
  return writes;
}

/** Newest first, capped, and the per-reason counts; the list's LPUSH and LTRIM go to one node in order. */
function deadLetterClusterWrites(letters: readonly DeadLetter[], keys: KeySchema, cap: number): ClusterWrite[] {
  if (letters.length === 0) return [];
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(letter.reason, (counts.get(letter.reason) ?? 0) + 1);
  const newest = letters.slice(-cap).map((letter) => JSON.stringify(letter));
  return [
    { key: keys.deadLetters, command: ['lpush', keys.deadLetters, ...newest], countedAgainIfRepeated: newest.length },
    idempotent(['ltrim', keys.deadLetters, 0, cap - 1]),
    ...[...counts].map(([reason, count]): ClusterWrite => ({ key: keys.rejectedCounts, command: ['hincrby', keys.rejectedCounts, reason, count], countedAgainIfRepeated: count })),
  ];
}

function idempotent(command: RedisCommand): ClusterWrite {
  return { key: String(command[1]), command, countedAgainIfRepeated: 0 };
}
