import { hostname } from 'node:os';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Archiver } from '../../../core/archive/archiver.js';
import { energyObjectKey } from '../../../core/archive/energy-object.js';
import { configSchema } from '../../../core/config/schema.js';
import { Conflict } from '../../../core/domain/errors.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { useArchiveTestEnv } from '../../helpers/archive-test-env.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** Two archivers on one Redis (two workbenches): the lease lets one at a time archive. */

const DAY = 86_400;
const keys = createKeySchema({ keyPrefix: '' });
const defaults = configSchema.parse({});
const NOW_MS = Date.UTC(2024, 0, 10, 12);
const DAY_1 = Date.UTC(2024, 0, 1) / 1000;
const LEASE_MS = 1000;

const env = useArchiveTestEnv('lease-test', { createBucket: true });
const archivers: Archiver[] = [];
const connections: Redis[] = [];

afterEach(async () => {
  await Promise.all(archivers.splice(0).map((archiver) => archiver.stop()));
  for (const connection of connections.splice(0)) connection.disconnect();
});

/** An archiver with its own Redis connection, as in its own workbench process. */
function makeArchiver(holderId: string, intervalSeconds: number, lines: string[] = []): { archiver: Archiver; connection: Redis } {
  const connection = redisClient(env.redisServer.url);
  connections.push(connection);
  const archiver = new Archiver({
    redis: connection,
    keys,
    energy: defaults.energy,
    archive: { ...defaults.archive, intervalSeconds, leaseMs: LEASE_MS, concurrency: 2, s3: env.s3.settings(env.bucket) },
    log: (line) => lines.push(line),
    now: () => NOW_MS,
    holderId,
  });
  archivers.push(archiver);
  return { archiver, connection };
}

async function fillBuckets(deviceId: string, days: number, perBucket: number): Promise<void> {
  for (let day = 0; day < days; day += 1) {
    const bucketStart = DAY_1 + day * DAY;
    const list = keys.energyBucket(deviceId, bucketStart);
    const readings = Array.from({ length: perBucket }, (_, i) => JSON.stringify({ eReal: [i], timestamp: bucketStart + i * 300, duration: 300 }));
    await env.redis.multi().rpush(list, ...readings).sadd(keys.energyPending, list).zadd(keys.meterBuckets(deviceId), bucketStart, bucketStart).exec();
  }
}

async function objectExists(deviceId: string, bucketStart: number): Promise<boolean> {
  try {
    await env.s3Client.send(new HeadObjectCommand({ Bucket: env.bucket, Key: energyObjectKey('', deviceId, bucketStart) }));
    return true;
  } catch {
    return false;
  }
}

describe('two archivers on one Redis', () => {
  it('archive every bucket exactly once: only the lease holder runs passes, the other is refused', async () => {
    await fillBuckets('L1', 8, 5);
    const a = makeArchiver('archiver-a', 0).archiver;
    const b = makeArchiver('archiver-b', 0).archiver;

    // Both asked at once: one takes the lease and archives, the other is refused with a Conflict.
    const results = await Promise.allSettled([a.runNow('manual'), b.runNow('manual')]);

    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    expect(String((rejected[0] as PromiseRejectedResult).reason.message)).toContain('another archiver holds the archiver lease');
    expect(a.totals().bucketsDone + b.totals().bucketsDone).toBe(8);
    expect(a.totals().bucketsFailed + b.totals().bucketsFailed).toBe(0);
    expect(await env.redis.scard(keys.energyPending)).toBe(0);
    for (let day = 0; day < 8; day += 1) {
      expect(await env.redis.exists(keys.energyBucket('L1', DAY_1 + day * DAY))).toBe(0);
      expect(await objectExists('L1', DAY_1 + day * DAY)).toBe(true);
    }
    // One index member per bucket: nothing archived twice.
    expect(await env.redis.zcard(keys.meterArchived('L1'))).toBe(8);

    // The lease key names the holder.
    const holder = a.lease.holding() ? a : b;
    expect(JSON.parse((await env.redis.get(keys.archiveLease))!)).toMatchObject({ holder: holder.lease.holderId, pid: process.pid });
  });

  it('replaces a holder that died within two lease periods, and the new holder archives what is pending', async () => {
    const a = makeArchiver('archiver-a', 3600);
    a.archiver.start();
    await waitUntil('archiver A holds the lease', () => a.archiver.lease.holding(), { timeoutMs: 5000 });
    const linesB: string[] = [];
    const b = makeArchiver('archiver-b', 3600, linesB);
    b.archiver.start();
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
    expect(b.archiver.lease.holding()).toBe(false);
    await fillBuckets('L2', 3, 4);

    // A "dies": its connection goes, so it renews nothing (and releases nothing).
    a.connection.disconnect();
    const diedAt = Date.now();
    await waitUntil('archiver B takes the lease over', () => b.archiver.lease.holding(), { timeoutMs: 4 * LEASE_MS });
    const tookOverAfter = Date.now() - diedAt;

    expect(tookOverAfter).toBeLessThanOrEqual(2 * LEASE_MS);
    expect(a.archiver.lease.holding()).toBe(false);
    expect(JSON.parse((await env.redis.get(keys.archiveLease))!)).toMatchObject({ holder: 'archiver-b', token: 2 });
    expect(linesB.some((line) => line.includes('archiver-b') && line.includes('holds the archiver lease, token 2'))).toBe(true);
    // The new holder archives at once on taking over, not an interval later.
    await waitUntil('the pending buckets archived', async () => (await env.redis.scard(keys.energyPending)) === 0, { timeoutMs: 10_000 });
    expect(b.archiver.totals().bucketsDone).toBe(3);
    expect(await env.redis.zcard(keys.meterArchived('L2'))).toBe(3);
  });

  it('hands the lease over at once when its holder stops cleanly', async () => {
    const a = makeArchiver('archiver-a', 0).archiver;
    const b = makeArchiver('archiver-b', 0).archiver;
    await fillBuckets('L3', 2, 3);
    await a.runNow('manual');
    await expect(b.runNow('manual')).rejects.toBeInstanceOf(Conflict);
    // What Run now on the Archive page asks first (a Conflict answers 409).
    await expect(b.ensureLease()).rejects.toBeInstanceOf(Conflict);

    await a.stop();
    await fillBuckets('L4', 2, 3);

    expect(await env.redis.exists(keys.archiveLease)).toBe(0);
    expect(await b.runNow('manual')).toMatchObject({ bucketsDone: 2 });
    expect(JSON.parse((await env.redis.get(keys.archiveLease))!)).toMatchObject({ holder: 'archiver-b', token: 2 });
  });
  it('status names the same holder in every process, this one or another, then the other once the holder stops, then no holder', async () => {
    const a = makeArchiver('archiver-a', 3600).archiver;
    const b = makeArchiver('archiver-b', 3600).archiver;
    // A process that runs no archive schedule (role ui) still reads who holds it.
    const watcher = makeArchiver('watcher', 3600).archiver;
    a.start();
    b.start();
    await waitUntil('one archiver holds the lease', () => a.lease.holding() || b.lease.holding(), { timeoutMs: 5000 });
    const [holder, other] = a.lease.holding() ? [a, b] : [b, a];

    const seen = await Promise.all([holder.status(), other.status(), watcher.status()]);
    for (const status of seen) {
      expect(status.lease).toMatchObject({ state: 'held', holder: holder.lease.holderId, host: hostname(), pid: process.pid, token: holder.lease.token });
      expect(status.leaseMs).toBe(LEASE_MS);
    }
    expect(seen.map(({ lease }) => lease.state === 'held' && lease.mine)).toEqual([true, false, false]);
    expect(seen.map(({ archiverId }) => archiverId)).toEqual([holder.lease.holderId, other.lease.holderId, 'watcher']);
    const first = seen[0]!.lease;
    if (first.state !== 'held') throw new Error('unreachable');
    // The lease runs on the real clock (Redis's PX), whatever clock the archiver's buckets go by.
    expect(first.expiresAt).toBeGreaterThan(Date.now());
    expect(first.expiresAt).toBeLessThanOrEqual(Date.now() + LEASE_MS);

    await holder.stop();
    await waitUntil('the other archiver takes the lease over', () => other.lease.holding(), { timeoutMs: 4 * LEASE_MS });
    const [otherStatus, watcherStatus] = await Promise.all([other.status(), watcher.status()]);
    // A newer fencing token: both archivers started at once, so the loser of that race may have spent one too.
    expect(other.lease.token).toBeGreaterThan(first.token);
    expect(otherStatus.lease).toMatchObject({ state: 'held', holder: other.lease.holderId, token: other.lease.token, mine: true });
    expect(watcherStatus.lease).toMatchObject({ state: 'held', holder: other.lease.holderId, token: other.lease.token, mine: false });

    await other.stop();
    expect((await watcher.status()).lease).toEqual({ state: 'free' });

    // Something that is not a lease in the key (another tool wrote it): named, with when it expires; nobody takes the lease until then.
    await env.redis.set(keys.archiveLease, 'not a lease', 'PX', 5000);
    const unreadable = (await watcher.status()).lease;
    expect(unreadable).toMatchObject({ state: 'unreadable', detail: expect.stringContaining('not JSON') });
  });
});
