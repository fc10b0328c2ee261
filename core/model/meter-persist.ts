import { bucketStartOf } from './energy-bucket.js';
import type { KeySchema } from './keys.js';
import type { MeterReading, MeterTransport } from './meter-reading.js';
import type { RedisCommand } from './redis-command.js';

interface DeviceBatch {
  readings: number;
  transport: MeterTransport;
  /** bucketStart → readings' JSON in arrival order. */
  buckets: Map<number, string[]>;
}

/**
 * A batch of meter readings as grouped, variadic commands: one RPUSH per (meter, bucket) keeps the
 * readings of a bucket in arrival order, one SADD names every touched list in the pending set, and
 * each meter's hash and indexes get one write each however many readings it sent. The result is
 * what writing the readings one by one would leave, with commands per meter instead of per reading.
 */
export function meterWrites(readings: readonly MeterReading[], keys: KeySchema, bucketSeconds: number, nowMs: number): RedisCommand[] {
  if (readings.length === 0) return [];
  const devices = groupByDevice(readings, bucketSeconds);
  const commands: RedisCommand[] = [];
  const pending: string[] = [];
  const lastSeen: Array<string | number> = [];
  for (const [deviceId, device] of devices) {
    const bucketIndex: number[] = [];
    for (const [bucketStart, lines] of device.buckets) {
      const list = keys.energyBucket(deviceId, bucketStart);
      commands.push(['rpush', list, ...lines]);
      pending.push(list);
      bucketIndex.push(bucketStart, bucketStart);
    }
    const deviceKey = keys.meterDevice(deviceId);
    commands.push(
      ['hset', deviceKey, 'kind', 'meter', 'lastSeen', nowMs, 'transport', device.transport],
      ['hsetnx', deviceKey, 'firstSeen', nowMs],
      ['hincrby', deviceKey, 'readings', device.readings],
      ['zadd', keys.meterBuckets(deviceId), ...bucketIndex],
    );
    lastSeen.push(nowMs, deviceId);
  }
  commands.push(['sadd', keys.energyPending, ...pending], ['zadd', keys.meters, ...lastSeen]);
  return commands;
}

function groupByDevice(readings: readonly MeterReading[], bucketSeconds: number): Map<string, DeviceBatch> {
  const devices = new Map<string, DeviceBatch>();
  for (const reading of readings) {
    let device = devices.get(reading.deviceId);
    if (!device) {
      device = { readings: 0, transport: reading.transport, buckets: new Map() };
      devices.set(reading.deviceId, device);
    }
    device.readings += 1;
    device.transport = reading.transport;
    const bucketStart = bucketStartOf(reading.timestamp, bucketSeconds);
    const lines = device.buckets.get(bucketStart);
    if (lines) lines.push(reading.json);
    else device.buckets.set(bucketStart, [reading.json]);
  }
  return devices;
}
