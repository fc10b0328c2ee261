import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBucket, energyObjectKey, metadataFor } from '../../../core/archive/energy-object.js';
import { createS3Client } from '../../../core/archive/s3-client.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { EnergyQuery, InvalidEnergyQuery } from '../../../core/query/energy-query.js';
import type { EnergyPoint, EnergyReadings } from '../../../core/api/energy.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestS3, type TestS3 } from '../../helpers/s3rver.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

/**
 * EnergyQuery against a real redis-server and a real S3 API (s3rver): buckets in Redis, archived in
 * S3, in both, or in neither, laid out the way the ingest and the archiver leave them.
 */

const BUCKET = 'energy-query';
const OBJECT_PREFIX = 'wb/';
const DAY = 86_400;
const HOUR = 3600;
/** 2026-11-01T00:00:00Z */
const D0 = Date.UTC(2026, 10, 1) / 1000;
/** Eight readings a day in the small fixtures. */
const STEP = 3 * HOUR;
const keys = createKeySchema({ keyPrefix: '' });

let redisServer: TestRedis;
let s3: TestS3;
let redis: Redis;
let s3Client: S3Client;

beforeAll(async () => {
  [redisServer, s3] = await Promise.all([startTestRedis(), startTestS3()]);
  redis = redisClient(redisServer.url);
  await s3.createBucket(BUCKET);
  s3Client = createS3Client(s3.settings(BUCKET));
});

afterAll(async () => {
  s3Client?.destroy();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), s3?.stop()]);
});

function query(options: { s3?: boolean } = {}): EnergyQuery {
  return new EnergyQuery({
    redis,
    keys,
    bucketSeconds: DAY,
    s3: options.s3 === false ? null : { client: s3Client, bucket: BUCKET, keyPrefix: OBJECT_PREFIX },
  });
}

/** A reading in the source document's shape; `version` tells two copies of one timestamp apart. */
function reading(timestamp: number, version = 1): string {
  const channel = (offset: number) => Array.from({ length: 6 }, (_, c) => ((timestamp / 300) * 7 + c * 13 + offset * 5 + version * 3) % 41);
  const positive = channel(1);
  const negative = channel(2);
  return JSON.stringify({
    eReal: positive.map((value, c) => value - negative[c]!),
    eRealNegative: negative,
    eRealPositive: positive,
    eReactive: channel(3).map((value) => value - 20),
    eReactiveNegative: channel(4),
    eReactivePositive: channel(5),
    vRMSMin: channel(6).map((value) => value + 220),
    vRMSMax: channel(6).map((value) => value + 240),
    iRMSMin: channel(7),
    iRMSMax: channel(7).map((value) => value + 3),
    timestamp,
    duration: 300,
    version,
  });
}

function day(dayIndex: number, slots: number[], version = 1): string[] {
  return slots.map((slot) => reading(D0 + dayIndex * DAY + slot * STEP, version));
}

const ALL_SLOTS = [0, 1, 2, 3, 4, 5, 6, 7];

/** What the archiver leaves: the object (or the given bytes instead) and its index member. */
async function archive(deviceId: string, bucketStart: number, lines: string[], options: { body?: Buffer; upload?: boolean } = {}): Promise<string> {
  const encoded = encodeBucket(lines);
  if (options.upload !== false) {
    await s3Client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: energyObjectKey(OBJECT_PREFIX, deviceId, bucketStart),
        Body: options.body ?? encoded.body,
        Metadata: { ...metadataFor(lines.length, encoded) },
      }),
    );
  }
  const member = `${bucketStart}:${encoded.md5Hex}`;
  await redis.zadd(keys.meterArchived(deviceId), bucketStart, member);
  return member;
}

/** What the ingest leaves: the list in arrival order, its pending entry and its bucket index entry. */
async function ingest(deviceId: string, bucketStart: number, lines: string[]): Promise<void> {
  const list = keys.energyBucket(deviceId, bucketStart);
  await redis.multi().rpush(list, ...lines).sadd(keys.energyPending, list).zadd(keys.meterBuckets(deviceId), bucketStart, bucketStart).exec();
}

/**
 * Days 0-1 archived only; day 2 archived (slots 0-5) with late readings still in Redis (4 and 5
 * again as version 2, plus 6 and 7, arriving out of order); day 3 in Redis with one reading sent
 * twice; day 4 in Redis; day 5 empty.
 */
const MIXED = {
  archived: new Map([
    [0, day(0, ALL_SLOTS)],
    [1, day(1, ALL_SLOTS)],
    [2, day(2, [0, 1, 2, 3, 4, 5])],
  ]),
  lists: new Map([
    [2, [...day(2, [7]), ...day(2, [4, 5], 2), ...day(2, [6])]],
    [3, [...day(3, ALL_SLOTS), ...day(3, [2], 2)]],
    [4, day(4, ALL_SLOTS)],
  ]),
};

async function seedMixed(deviceId: string): Promise<void> {
  for (const [dayIndex, lines] of MIXED.archived) await archive(deviceId, D0 + dayIndex * DAY, lines);
  for (const [dayIndex, lines] of MIXED.lists) await ingest(deviceId, D0 + dayIndex * DAY, lines);
}

/** What a user should get from seedMixed: one reading per timestamp, its last copy written, oldest first. */
function expectedMixed(from: number, to: number): EnergyReadings['readings'] {
  const latest = new Map<number, string>();
  for (const line of [...MIXED.archived.values(), ...MIXED.lists.values()].flat()) latest.set(JSON.parse(line).timestamp, line);
  return [...latest.entries()]
    .filter(([timestamp]) => timestamp >= from && timestamp <= to)
    .sort(([a], [b]) => a - b)
    .map(([, line]) => JSON.parse(line));
}

function sums(readings: EnergyReadings['readings'], intervalSeconds: number): EnergyPoint[] {
  const points = new Map<number, EnergyPoint>();
  const total = (values: unknown) => (values as number[]).reduce((sum, value) => sum + value, 0);
  for (const r of readings) {
    const t = r.timestamp - (r.timestamp % intervalSeconds);
    const point = points.get(t) ?? { t, eReal: 0, eRealPositive: 0, eRealNegative: 0, readings: 0 };
    point.eReal += total(r.eReal);
    point.eRealPositive += total(r.eRealPositive);
    point.eRealNegative += total(r.eRealNegative);
    point.readings += 1;
    points.set(t, point);
  }
  return [...points.values()].sort((a, b) => a.t - b.t);
}

describe('EnergyQuery over Redis and S3', () => {
  const from = D0 + 2 * STEP; // day 0, 06:00: a reading sits exactly on it
  const to = D0 + 4 * DAY + 4 * STEP; // day 4, 12:00: likewise

  it('returns every reading once, oldest first, from whichever store holds it', async () => {
    await seedMixed('MIXED1');
    const answer = await query().readings('MIXED1', from, to, 1000);

    const expected = expectedMixed(from, to);
    expect(expected).toHaveLength(6 + 8 + 8 + 8 + 5);
    expect(answer.readings).toEqual(expected);
    expect(answer.truncated).toBe(false);
    expect(answer.buckets.map(({ bucketStart, source, readings, error }) => ({ bucketStart, source, readings, error }))).toEqual([
      { bucketStart: D0, source: 's3', readings: 6, error: null },
      { bucketStart: D0 + DAY, source: 's3', readings: 8, error: null },
      { bucketStart: D0 + 2 * DAY, source: 'both', readings: 8, error: null },
      { bucketStart: D0 + 3 * DAY, source: 'redis', readings: 8, error: null },
      { bucketStart: D0 + 4 * DAY, source: 'redis', readings: 5, error: null },
    ]);
    // Slots 4 and 5 of day 2 were in S3 and in Redis; slot 2 of day 3 was sent twice.
    expect(answer.duplicatesDropped).toBe(3);
    const day2 = answer.readings.filter((r) => r.timestamp >= D0 + 2 * DAY && r.timestamp < D0 + 3 * DAY);
    expect(day2.map((r) => r.version)).toEqual([1, 1, 1, 1, 2, 2, 1, 1]);
  });

  it('counts only duplicates inside the range', async () => {
    const answer = await query().readings('MIXED1', D0 + 2 * DAY, D0 + 2 * DAY + 3 * STEP, 1000);
    expect(answer.readings.map((r) => r.timestamp)).toEqual([0, 1, 2, 3].map((slot) => D0 + 2 * DAY + slot * STEP));
    expect(answer.duplicatesDropped).toBe(0);
    expect(answer.buckets).toEqual([{ bucketStart: D0 + 2 * DAY, source: 'both', readings: 4, error: null, cached: false }]);
  });

  it('stops at the limit and says the answer is truncated', async () => {
    const answer = await query().readings('MIXED1', from, to, 10);
    expect(answer.readings).toEqual(expectedMixed(from, to).slice(0, 10));
    expect(answer.truncated).toBe(true);
  });

  it('reports a bucket without readings anywhere as none', async () => {
    const answer = await query().readings('MIXED1', D0 + 5 * DAY, D0 + 5 * DAY + HOUR, 10);
    expect(answer.readings).toEqual([]);
    expect(answer.buckets).toEqual([{ bucketStart: D0 + 5 * DAY, source: 'none', readings: 0, error: null, cached: false }]);
  });

  it('sums each interval over the six channels and the readings in it, leaving empty intervals out', async () => {
    const energy = query();
    const end = D0 + 6 * DAY - 1;
    for (const interval of [300, 6 * HOUR, 2 * DAY]) {
      const series = await energy.series('MIXED1', from, end, interval);
      const expected = expectedMixed(from, end);
      expect(series.points).toEqual(sums(expected, interval));
      expect(series.readings).toBe(expected.length);
      expect(series.duplicatesDropped).toBe(3);
      expect(series).toMatchObject({ deviceId: 'MIXED1', from, to: end, intervalSeconds: interval });
      expect(series.buckets.map((bucket) => bucket.source)).toEqual(['s3', 's3', 'both', 'redis', 'redis', 'none']);
      expect(series.tookMs).toBeGreaterThan(0);
    }
    const sixHourly = await energy.series('MIXED1', from, end, 6 * HOUR);
    expect(sixHourly.points.some((point) => point.t >= D0 + 5 * DAY)).toBe(false);
    expect(sixHourly.points.every((point) => point.readings === 2)).toBe(true);
  });

  it('refuses arguments it cannot answer sensibly', async () => {
    const energy = query();
    await expect(energy.series('MIXED1', to, from, 3600)).rejects.toThrow(InvalidEnergyQuery);
    await expect(energy.series('MIXED1', from, to, 0)).rejects.toThrow(/interval/);
    await expect(energy.series('MIXED1', D0, D0 + 400 * DAY, DAY)).rejects.toThrow(/366 per query/);
    await expect(energy.series('MIXED1', D0, D0 + 2 * DAY, 1)).rejects.toThrow(/more than 100000 intervals/);
    await expect(energy.readings('MIXED1', from, to, 0)).rejects.toThrow(/limit/);
    await expect(energy.readings('MIXED1', from + 0.5, to, 10)).rejects.toThrow(/whole Unix seconds/);
  });
});

describe('EnergyQuery when a bucket cannot be read', () => {
  it('names the corrupt and the missing buckets and still returns everything else', async () => {
    const deviceId = 'BROKEN1';
    await archive(deviceId, D0, day(0, ALL_SLOTS));
    const garbled = Buffer.from(encodeBucket(day(1, ALL_SLOTS)).body);
    for (let i = 20; i < 60; i++) garbled[i]! ^= 0x5a;
    await archive(deviceId, D0 + DAY, day(1, ALL_SLOTS), { body: garbled });
    await archive(deviceId, D0 + 2 * DAY, day(2, ALL_SLOTS), { upload: false });
    await ingest(deviceId, D0 + 2 * DAY, day(2, [6, 7], 2));
    await archive(deviceId, D0 + 3 * DAY, [...day(3, [0]), 'this is not JSON', ...day(3, [2])]);
    await ingest(deviceId, D0 + 4 * DAY, day(4, ALL_SLOTS));

    const answer = await query().readings(deviceId, D0, D0 + 5 * DAY - 1, 1000);

    expect(answer.readings).toEqual([...day(0, ALL_SLOTS), ...day(2, [6, 7], 2), ...day(4, ALL_SLOTS)].map((line) => JSON.parse(line)));
    const [ok, corrupt, missing, notJson, redisOnly] = answer.buckets;
    expect(ok).toMatchObject({ source: 's3', readings: 8, error: null });
    expect(corrupt).toMatchObject({ source: 's3', readings: 0 });
    expect(corrupt!.error).toMatch(new RegExp(`^2026-11-02 \\(${D0 + DAY}\\): object wb/energy/BROKEN1/${D0 + DAY}\\.ndjson\\.lz4 is corrupt`));
    expect(missing).toMatchObject({ source: 'both', readings: 2 });
    expect(missing!.error).toBe(`2026-11-03 (${D0 + 2 * DAY}): object wb/energy/BROKEN1/${D0 + 2 * DAY}.ndjson.lz4 is missing in bucket ${BUCKET}`);
    expect(notJson).toMatchObject({ source: 's3', readings: 0 });
    expect(notJson!.error).toMatch(/^2026-11-04 .*is corrupt: line 2 of 3 is not a JSON reading/);
    expect(redisOnly).toMatchObject({ source: 'redis', readings: 8, error: null });
  });

  it('says so when the index lists archived buckets but no S3 is configured', async () => {
    await seedMixed('NOS3');
    const answer = await query({ s3: false }).readings('NOS3', D0, D0 + 5 * DAY - 1, 1000);

    expect(answer.buckets.map((bucket) => bucket.error === null)).toEqual([false, false, false, true, true]);
    expect(answer.buckets[0]!.error).toBe(`2026-11-01 (${D0}): the archived index lists it, but no S3 bucket is configured to read it from`);
    expect(answer.buckets[2]).toMatchObject({ source: 'both', readings: 4 });
    expect(answer.readings).toEqual(expectedMixed(D0 + 2 * DAY + 4 * STEP, D0 + 5 * DAY));
  });

  it('returns the Redis buckets while S3 is down and flags the archived ones', async () => {
    await seedMixed('S3DOWN');
    await s3.pause();
    try {
      const answer = await query().readings('S3DOWN', D0, D0 + 5 * DAY - 1, 1000);
      expect(answer.buckets.map((bucket) => bucket.source)).toEqual(['s3', 's3', 'both', 'redis', 'redis']);
      for (const bucket of answer.buckets.slice(0, 3)) expect(bucket.error).toMatch(/S3 is unreachable/);
      expect(answer.buckets.slice(3).map((bucket) => bucket.error)).toEqual([null, null]);
      expect(answer.readings).toEqual(expectedMixed(D0 + 2 * DAY + 4 * STEP, D0 + 5 * DAY));
    } finally {
      await s3.restart();
    }
  });
});

describe('EnergyQuery cache of archived objects', () => {
  it('answers a repeated query from the cache, even with S3 down', async () => {
    await seedMixed('CACHED1');
    const energy = query();
    const range = [D0, D0 + 5 * DAY - 1] as const;

    const cold = await energy.readings('CACHED1', ...range, 1000);
    expect(cold.buckets.map((bucket) => bucket.cached)).toEqual([false, false, false, false, false]);

    const warm = await energy.readings('CACHED1', ...range, 1000);
    expect(warm.buckets.map((bucket) => bucket.cached)).toEqual([true, true, true, false, false]);
    expect(warm).toEqual({ ...cold, buckets: warm.buckets });

    await s3.pause();
    try {
      const offline = await energy.series('CACHED1', ...range, HOUR);
      expect(offline.buckets.map((bucket) => bucket.error)).toEqual([null, null, null, null, null]);
      expect(offline.points).toEqual(sums(cold.readings, HOUR));
    } finally {
      await s3.restart();
    }
  });

  it('reads a re-uploaded object again instead of serving the cached copy', async () => {
    const deviceId = 'CACHED2';
    const energy = query();
    const first = await archive(deviceId, D0, day(0, ALL_SLOTS));
    await energy.readings(deviceId, D0, D0 + DAY - 1, 1000);
    expect((await energy.readings(deviceId, D0, D0 + DAY - 1, 1000)).buckets[0]!.cached).toBe(true);

    // The archiver folds a late reading into the object and swaps the index member atomically.
    const late = reading(D0 + HOUR);
    const lines = [...day(0, ALL_SLOTS), late];
    const encoded = encodeBucket(lines);
    await s3Client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: energyObjectKey(OBJECT_PREFIX, deviceId, D0), Body: encoded.body, Metadata: { ...metadataFor(lines.length, encoded) } }),
    );
    await redis.multi().zrem(keys.meterArchived(deviceId), first).zadd(keys.meterArchived(deviceId), D0, `${D0}:${encoded.md5Hex}`).exec();

    const reread = await energy.readings(deviceId, D0, D0 + DAY - 1, 1000);
    expect(reread.buckets[0]).toMatchObject({ cached: false, readings: 9, error: null });
    expect(reread.readings[1]).toEqual(JSON.parse(late));
    expect((await energy.readings(deviceId, D0, D0 + DAY - 1, 1000)).buckets[0]).toMatchObject({ cached: true, readings: 9 });
  });

  it('reads a month of 5-minute readings from 30 objects, then from the cache', async () => {
    const deviceId = 'MONTH1';
    const month = Array.from({ length: 30 }, (_, dayIndex) => Array.from({ length: 288 }, (_, slot) => reading(D0 + dayIndex * DAY + slot * 300)));
    await Promise.all(month.map((lines, dayIndex) => archive(deviceId, D0 + dayIndex * DAY, lines)));
    const energy = query();
    const range = [D0, D0 + 30 * DAY - 1] as const;

    const cold = await energy.series(deviceId, ...range, HOUR);
    const warm = await energy.series(deviceId, ...range, HOUR);

    expect(cold.readings).toBe(8640);
    expect(cold.points).toHaveLength(30 * 24);
    expect(cold.buckets.every((bucket) => bucket.source === 's3' && bucket.error === null && !bucket.cached)).toBe(true);
    expect(warm.buckets.every((bucket) => bucket.cached)).toBe(true);
    expect(warm.points).toEqual(cold.points);
    expect(warm.points).toEqual(sums(month.flat().map((line) => JSON.parse(line)), HOUR));
    const readings = await energy.readings(deviceId, ...range, 100_000);
    expect(readings.readings).toHaveLength(8640);
  });
});
