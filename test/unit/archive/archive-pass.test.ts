import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runArchivePass, type ArchivePassOptions } from '../../../core/archive/archive-pass.js';
import type { BucketOutcome } from '../../../core/archive/bucket-archive.js';
import { CorruptObjectError } from '../../../core/archive/energy-object.js';
import { emptyProgress } from '../../../core/archive/run-summary.js';
import { S3RequestError } from '../../../core/archive/s3-error.js';
import { configSchema } from '../../../core/config/schema.js';
import { createKeySchema, type EnergyBucketRef } from '../../../core/model/keys.js';

const keys = createKeySchema({ keyPrefix: '' });
const DAY = 86_400;
const s3Settings = configSchema.parse({ archive: { s3: { bucket: 'meters' } } }).archive.s3;

/** A pending set served by SSCAN in steps of `step` entries, with one duplicate as SSCAN may return. */
function fakeRedis(names: string[], step: number): { redis: Redis; scans: () => number } {
  let scans = 0;
  const sscan = async (_key: string, cursor: string) => {
    scans += 1;
    const start = Number(cursor);
    const end = Math.min(start + step, names.length);
    const page = names.slice(start, end);
    if (start > 0) page.push(names[start - 1]!);
    return [end >= names.length ? '0' : String(end), page];
  };
  return { redis: { sscan } as unknown as Redis, scans: () => scans };
}

function passOptions(redis: Redis, archiveOne: ArchivePassOptions['archiveOne'], overrides: Partial<ArchivePassOptions> = {}): ArchivePassOptions {
  return {
    redis,
    keys,
    bucketSeconds: DAY,
    graceSeconds: 900,
    nowSeconds: 100 * DAY,
    scanCount: 3,
    concurrency: 2,
    progress: emptyProgress('manual', 0),
    archiveOne,
    stopping: () => false,
    onForeignEntry: () => undefined,
    log: () => undefined,
    ...overrides,
  };
}

const archived: BucketOutcome = { kind: 'archived', etag: 'e', listLength: 2, bytesIn: 100, bytesOut: 40 };

describe('runArchivePass', () => {
  it('archives each stale bucket once, at most `concurrency` at a time, and skips fresh and foreign entries', async () => {
    const stale = Array.from({ length: 7 }, (_, day) => keys.energyBucket('D1', day * DAY));
    const names = [...stale, keys.energyBucket('D1', 100 * DAY), 'elsewhere:energy:D1:0'];
    const { redis } = fakeRedis(names, 3);
    const started: EnergyBucketRef[] = [];
    const foreign: string[] = [];
    let active = 0;
    let maxActive = 0;
    const options = passOptions(
      redis,
      async (bucket) => {
        started.push(bucket);
        maxActive = Math.max(maxActive, ++active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        return archived;
      },
      { onForeignEntry: (name) => foreign.push(name) },
    );

    await runArchivePass(options);

    expect(started.map((bucket) => bucket.bucketStart).sort((a, b) => a - b)).toEqual(stale.map((_, day) => day * DAY));
    expect(maxActive).toBe(2);
    expect(foreign).toEqual(['elsewhere:energy:D1:0']);
    expect(options.progress).toMatchObject({ bucketsTotal: 7, bucketsDone: 7, readings: 14, bytesIn: 700, bytesOut: 280, scanComplete: true });
  });

  it('stops starting buckets and scanning once S3 fails, and throws that failure', async () => {
    const names = Array.from({ length: 30 }, (_, day) => keys.energyBucket('D2', day * DAY));
    const { redis, scans } = fakeRedis(names, 3);
    let attempts = 0;
    const s3Down = new S3RequestError('PutObject x', s3Settings, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const options = passOptions(redis, async () => {
      attempts += 1;
      throw s3Down;
    });

    await expect(runArchivePass(options)).rejects.toBe(s3Down);

    expect(attempts).toBeLessThanOrEqual(2);
    expect(scans()).toBeLessThan(3);
    expect(options.progress).toMatchObject({ bucketsDone: 0, bucketsFailed: 0, scanComplete: false });
  });

  it('counts a bucket whose content is at fault as failed and goes on with the others', async () => {
    const names = Array.from({ length: 4 }, (_, day) => keys.energyBucket('D3', day * DAY));
    const lines: string[] = [];
    const options = passOptions(
      fakeRedis(names, 10).redis,
      async (bucket) => {
        if (bucket.bucketStart === DAY) throw new CorruptObjectError('not a readable LZ4 frame');
        return bucket.bucketStart === 2 * DAY ? { ...archived, kind: 'late' } : archived;
      },
      { log: (line) => lines.push(line) },
    );

    await runArchivePass(options);

    expect(options.progress).toMatchObject({ bucketsTotal: 4, bucketsDone: 2, bucketsFailed: 1, bucketsLate: 1, scanComplete: true });
    expect(lines).toEqual([`archive: ${keys.energyBucket('D3', DAY)} stays in Redis: not a readable LZ4 frame`]);
  });
});
