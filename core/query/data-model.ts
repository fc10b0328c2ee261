import type { RedisClient } from '../redis/redis-target.js';
import { CLIMATES } from '../model/climate.js';
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
    this.previous = { at, sizes: new Map(measured.map((entry) => [entry.pattern, entry.size])) };
    const [totalKeys, memory] = await Promise.all([this.redis.dbsize(), this.redis.info('memory')]);
    const usedMemory = /used_memory:(\d+)/.exec(memory)?.[1];
    return { entries, totalKeys, usedMemoryBytes: usedMemory ? Number(usedMemory) : null, at };
  }

  private growth(entry: Measured, at: number): number | null {
    const before = this.previous?.sizes.get(entry.pattern);
    if (before === undefined || !this.previous || at === this.previous.at) return null;
    return ((entry.size - before) * 1000) / (at - this.previous.at);
  }

  private async measure(): Promise<Measured[]> {
    const { keys, redis } = this;
    const counterKeys = CLIMATES.map((climate) => keys.climateCounter(climate));
    const [devices, counters, deadLetters, rejectedReasons, subscribers] = await Promise.all([
      redis.zcard(keys.sensorData),
      redis.mget(...counterKeys),
      redis.llen(keys.deadLetters),
      redis.hlen(keys.rejectedCounts),
      redis.pubsub('NUMSUB', keys.warningsChannel) as Promise<Array<string | number>>,
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
    ];
  }
}
