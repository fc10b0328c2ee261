import type { RedisClient } from '../redis/redis-target.js';
import { CLIMATES } from '../model/climate.js';
import type { IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { DataModel, ModelEntry } from '../api/events.js';

type Measured = Omit<ModelEntry, 'growthPerSec'>;

/**
 * Every key pattern the thermostat pipeline writes, sized with O(1) commands only (ZCARD, GET,
 * LLEN, HLEN, PUBSUB NUMSUB): this runs against production Redis too. Growth is the change since
 * the previous call.
 */
export class DataModelInspector {
  private previous: { at: number; sizes: Map<string, number> } | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  async inspect(): Promise<DataModel> {
    const measured = await this.measure();
    const at = Date.now();
    const entries = measured.map((entry) => ({ ...entry, growthPerSec: this.growth(entry, at) }));
    this.previous = { at, sizes: new Map(measured.flatMap((entry) => (entry.size === null ? [] : [[entry.pattern, entry.size] as const]))) };
    const [totalKeys, memory] = await Promise.all([this.redis.dbsize(), this.redis.info('memory')]);
    const usedMemory = /used_memory:(\d+)/.exec(memory)?.[1];
    return { entries, totalKeys, usedMemoryBytes: usedMemory ? Number(usedMemory) : null, at };
  }

  private growth(entry: Measured, at: number): number | null {
    const before = this.previous?.sizes.get(entry.pattern);
    if (before === undefined || entry.size === null || !this.previous || at === this.previous.at) return null;
    return ((entry.size - before) * 1000) / (at - this.previous.at);
  }

  private async measure(): Promise<Measured[]> {
    const { keys, redis } = this;
    const counterKeys = CLIMATES.map((climate) => keys.climateCounter(climate));
    const [devices, counters, deadLetters, rejectedReasons, subscribers, apiKeys, indexes] = await Promise.all([
      redis.zcard(keys.sensorData),
      redis.mget(...counterKeys),
      redis.llen(keys.deadLetters),
      redis.hlen(keys.rejectedCounts),
      redis.pubsub('NUMSUB', keys.warningsChannel) as Promise<Array<string | number>>,
      redis.scard(keys.apiKeys),
      this.indexEntries(),
    ]);
    const deviceKey = keys.deviceHash('<deviceId>');
    return [
      {
        pattern: keys.sensorData,
        type: 'zset',
        sizeUnit: 'members (devices)',
        size: devices,
        writtenBy: `ZADD ${keys.sensorData} <timestamp ms> <deviceId> …`,
        inspect: `ZREVRANGEBYSCORE ${keys.sensorData} +inf -inf WITHSCORES LIMIT 0 5`,
      },
      {
        pattern: deviceKey,
        type: 'hash',
        sizeUnit: 'keys (one per device in SensorData)',
        size: devices,
        writtenBy: `HSET ${deviceKey} temperature … deviceIP … humidity … climate … timestamp … requestId …`,
        inspect: `HGETALL ${keys.deviceHash('42')}`,
      },
      ...counterKeys.map((key, index) => ({
        pattern: key,
        type: 'string',
        sizeUnit: 'value (readings)',
        size: Number(counters[index] ?? 0),
        writtenBy: `INCRBY ${key} <readings in batch>`,
        inspect: `GET ${key}`,
      })),
      {
        pattern: keys.warningsChannel,
        type: 'channel',
        sizeUnit: 'subscribers',
        size: Number(subscribers[1] ?? 0),
        writtenBy: `PUBLISH ${keys.warningsChannel} {"deviceId":…,"temperature":…,"timestamp":…,"requestId":…}`,
        inspect: `SUBSCRIBE ${keys.warningsChannel}`,
      },
      {
        pattern: keys.deadLetters,
        type: 'list',
        sizeUnit: 'entries',
        size: deadLetters,
        writtenBy: `LPUSH ${keys.deadLetters} <rejection> … ; LTRIM`,
        inspect: `LRANGE ${keys.deadLetters} 0 9`,
      },
      {
        pattern: keys.rejectedCounts,
        type: 'hash',
        sizeUnit: 'reasons',
        size: rejectedReasons,
        writtenBy: `HINCRBY ${keys.rejectedCounts} <reason> <count>`,
        inspect: `HGETALL ${keys.rejectedCounts}`,
      },
      ...apiKeyEntries(keys, apiKeys),
      ...indexes,
    ];
  }

  /** The unforeseen indexes (README "Unforeseen indexes"): their definitions, and per index its sets or zset. */
  private async indexEntries(): Promise<Measured[]> {
    const { keys, redis } = this;
    const records = (await redis.hvals(keys.indexDefinitions)).map((json) => JSON.parse(json) as IndexRecord);
    if (records.length === 0) return [];
    const sizes = await Promise.all(records.map((record) => (record.kind === 'set' ? redis.scard(record.valuesKey) : redis.zcard(record.entriesKey))));
    const definitions: Measured = {
      pattern: keys.indexDefinitions,
      type: 'hash',
      sizeUnit: 'indexes',
      size: records.length,
      writtenBy: `HSET ${keys.indexDefinitions} <name> <definition JSON>; build state in ${keys.indexBuild('<name>')}`,
      inspect: `HGETALL ${keys.indexBuild(records[0]!.name)}`,
    };
    return [
      definitions,
      ...records.map((record, index): Measured =>
        record.kind === 'set'
          ? {
              pattern: keys.indexValueSet(record.name, '<value>'),
              type: 'set',
              sizeUnit: `value sets (${record.field} of ${record.match}; values in ${record.valuesKey})`,
              size: sizes[index]!,
              writtenBy: `SREM ${keys.indexValueSet(record.name, '<old>')} <key>; SADD ${keys.indexValueSet(record.name, '<new>')} <key> (in the batch script)`,
              inspect: `SMEMBERS ${record.valuesKey}`,
            }
          : {
              pattern: record.entriesKey,
              type: 'zset',
              sizeUnit: `members (${record.field} of ${record.match})`,
              size: sizes[index]!,
              writtenBy: `ZADD ${record.entriesKey} <${record.field}> <key> (in the batch script)`,
              inspect: `ZRANGEBYSCORE ${record.entriesKey} -inf +inf WITHSCORES LIMIT 0 5`,
            },
      ),
    ];
  }
}

/** The client API's keys, indexes and counters (the source paper's API management). */
function apiKeyEntries(keys: KeySchema, apiKeys: number): Measured[] {
  const key = keys.apiKey('<keyId>');
  const clients = keys.deviceClients('<deviceId>');
  const tps = keys.apiKeyTps('<keyId>', '<intervalStart>');
  const usage = keys.apiKeyUsage('<keyId>', 'minute', '<minuteStart>');
  const hourly = keys.apiKeyUsage('<keyId>', 'hour', '<hourStart>');
  const apiWide = keys.apiUsage('minute', '<minuteStart>');
  return [
    { pattern: keys.apiKeys, type: 'set', sizeUnit: 'members (API keys)', size: apiKeys, writtenBy: `SADD ${keys.apiKeys} <keyId>`, inspect: `SMEMBERS ${keys.apiKeys}` },
    { pattern: key, type: 'hash', sizeUnit: 'keys (one per member of the index)', size: apiKeys, writtenBy: `HSET ${key} name … created … limit … scope … secretHash …`, inspect: `HGETALL ${key}` },
    { pattern: clients, type: 'set', sizeUnit: 'keys (one per device a key is scoped to)', size: null, writtenBy: `SADD ${clients} <keyId>`, inspect: `SMEMBERS ${clients}` },
    { pattern: tps, type: 'string', sizeUnit: 'keys (one per key and 5-second interval, 60 s)', size: null, writtenBy: `INCR ${tps} ; EXPIRE ${tps} 60 ; GET ${tps} (one pipeline per request)`, inspect: `GET ${tps}` },
    { pattern: usage, type: 'hash', sizeUnit: 'keys (one per key and minute, 48 h)', size: null, writtenBy: `HINCRBY ${usage} requests|route:<route>:<class>|status:<401|403|429> <n> ; EXPIREAT`, inspect: `HGETALL ${usage}` },
    { pattern: hourly, type: 'hash', sizeUnit: 'keys (one per key and hour, 90 days)', size: null, writtenBy: `HINCRBY ${hourly} … <n> ; EXPIREAT`, inspect: `HGETALL ${hourly}` },
    { pattern: apiWide, type: 'hash', sizeUnit: 'keys (one per minute, 48 h; also per hour)', size: null, writtenBy: `HINCRBY ${apiWide} … <n> ; EXPIREAT`, inspect: `HGETALL ${apiWide}` },
  ];
}
