import { CLIMATES, type Climate } from './climate.js';
import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';
import type { ThermostatReading } from './thermostat-reading.js';

/**
 * Commands that leave Redis exactly as the source document's per-reading MULTI (ZADD, HMSET, INCR,
 * PUBLISH for hot readings) would after processing the same readings in arrival order, but with
 * one variadic ZADD, one HSET per distinct device (its last reading wins, as it would one by one)
 * and one INCRBY per climate.
 */
export function thermostatWrites(readings: readonly ThermostatReading[], keys: KeySchema): RedisCommand[] {
  if (readings.length === 0) return [];
  const commands: RedisCommand[] = [];
  const zadd: RedisCommand = ['zadd', keys.sensorData];
  const latestByDevice = new Map<string, ThermostatReading>();
  const climateCounts: Record<Climate, number> = { hot: 0, warm: 0, cool: 0, cold: 0 };

  for (const reading of readings) {
    zadd.push(reading.timestamp, reading.deviceId);
    latestByDevice.set(reading.deviceId, reading);
    climateCounts[reading.climate] += 1;
  }
  commands.push(zadd);
  for (const reading of latestByDevice.values()) commands.push(deviceHashWrite(reading, keys));
  for (const climate of CLIMATES) {
    if (climateCounts[climate] > 0) commands.push(['incrby', keys.climateCounter(climate), climateCounts[climate]]);
  }
  for (const reading of readings) {
    if (reading.climate === 'hot') commands.push(['publish', keys.warningsChannel, warningMessage(reading)]);
  }
  return commands;
}

function deviceHashWrite(reading: ThermostatReading, keys: KeySchema): RedisCommand {
  return [
    'hset',
    keys.deviceHash(reading.deviceId),
    'temperature',
    reading.temperature,
    'deviceIP',
    reading.deviceIP,
    'humidity',
    reading.humidity,
    'climate',
    reading.climate,
    'timestamp',
    reading.timestamp,
    'requestId',
    reading.requestId,
  ];
}

export function warningMessage(reading: ThermostatReading): string {
  return JSON.stringify({
    deviceId: reading.deviceId,
    temperature: reading.temperature,
    timestamp: reading.timestamp,
    requestId: reading.requestId,
  });
}
