import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { indexDefinitionSchema, type IndexDefinitionInput } from '../../../core/domain/index-definition.js';
import { classifyClimate } from '../../../core/model/climate.js';
import { defineIndexCommand, indexRecord } from '../../../core/model/index-persist.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { meterWrites } from '../../../core/model/meter-persist.js';
import type { RedisCommand } from '../../../core/model/redis-command.js';
import { thermostatWrites } from '../../../core/model/thermostat-persist.js';
import type { ThermostatReading } from '../../../core/model/thermostat-reading.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

/** The batch scripts keep the defined indexes current in the same script as the hash write. */

const keys = createKeySchema({ keyPrefix: '' });
let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

const send = ([name, ...args]: RedisCommand) => redis.call(name, ...args);

async function define(input: IndexDefinitionInput): Promise<void> {
  expect(await send(defineIndexCommand(indexRecord(indexDefinitionSchema.parse(input), keys), keys, Date.now()))).toBe(1);
}

const reading = (deviceId: string, temperature: number, deviceIP = '10.1.2.3'): ThermostatReading => ({
  deviceId,
  temperature,
  humidity: 40,
  deviceIP,
  climate: classifyClimate(temperature),
  timestamp: 1_700_000_000_000,
  requestId: `r-${deviceId}-${temperature}`,
});

/** Each climate's members. */
async function climateSets(name: string): Promise<Record<string, string[]>> {
  const sets: Record<string, string[]> = {};
  for (const value of (await redis.smembers(keys.indexValues(name))).sort()) sets[value] = (await redis.smembers(keys.indexValueSet(name, value))).sort();
  return sets;
}

describe('live index maintenance in the batch scripts', () => {
  it('moves a device from climate cool to hot when its reading changes class, in the same batch as the hash', async () => {
    await define({ name: 'climate', match: '*', field: 'climate', kind: 'set' });
    await send(thermostatWrites([reading('1', 70), reading('2', 90)], keys)[0]!);
    expect(await climateSets('climate')).toEqual({ cool: ['1'], hot: ['2'] });
    await send(thermostatWrites([reading('1', 95), reading('1', 96)], keys)[0]!);
    expect(await climateSets('climate')).toEqual({ cool: [], hot: ['1', '2'] });
  });

  it('keeps a zset by temperature and a set of /24 networks, and ignores values that are no entry', async () => {
    await define({ name: 'temperature', match: '*', field: 'temperature', kind: 'zset' });
    await define({ name: 'network', match: '*', field: 'deviceIP', kind: 'set', transform: 'ipv4-24' });
    await send(thermostatWrites([reading('1', 70, '10.1.2.3'), reading('2', 90.5, '10.1.2.200'), reading('3', 60, 'not-an-ip')], keys)[0]!);
    expect(await redis.zrange(keys.indexSortedSet('temperature'), 0, -1, 'WITHSCORES')).toEqual(['3', '60', '1', '70', '2', '90.5']);
    expect(await climateSets('network')).toEqual({ '10.1.2.0/24': ['1', '2'] });
    await send(thermostatWrites([reading('2', 61, '10.9.9.9')], keys)[0]!);
    expect(await redis.zscore(keys.indexSortedSet('temperature'), '2')).toBe('61');
    expect(await climateSets('network')).toEqual({ '10.1.2.0/24': ['1'], '10.9.9.0/24': ['2'] });
  });

  it('a replayed batch leaves the index where its hash is (a worker restart resends unconfirmed batches in order)', async () => {
    await define({ name: 'climate', match: '*', field: 'climate', kind: 'set' });
    const first = thermostatWrites([reading('1', 70)], keys)[0]!;
    const second = thermostatWrites([reading('1', 90)], keys)[0]!;
    await send(first);
    await send(second);
    await send(first);
    await send(second);
    expect(await redis.hget('1', 'climate')).toBe('hot');
    expect(await climateSets('climate')).toEqual({ cool: [], hot: ['1'] });
  });

  it('keeps an index over the meter device objects: lastSeen as a zset', async () => {
    await define({ name: 'meter-seen', match: keys.meterDevice('*'), field: 'lastSeen', kind: 'zset' });
    const meterReading = (deviceId: string) => ({ deviceId, timestamp: 1_700_000_000, json: '{}', transport: 'udp' as const, receivedAt: 0 });
    await send(meterWrites([meterReading('m1'), meterReading('m2')], keys, 86_400, 1000)[0]!);
    await send(meterWrites([meterReading('m2')], keys, 86_400, 5000)[0]!);
    expect(await redis.zrange(keys.indexSortedSet('meter-seen'), 0, -1, 'WITHSCORES')).toEqual([keys.meterDevice('m1'), '1000', keys.meterDevice('m2'), '5000']);
  });

  it('leaves indexes over other patterns to builds and repairs', async () => {
    await define({ name: 'other', match: 'plant7:*', field: 'climate', kind: 'set' });
    await send(thermostatWrites([reading('1', 90)], keys)[0]!);
    expect(await redis.exists(keys.indexValues('other'), keys.indexValueSet('other', 'hot'))).toBe(0);
  });
});
