import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { EnergyPoint } from '../../../core/api/energy.js';
import type { ReplayStatus } from '../../../core/api/replay.js';
import { createS3Client } from '../../../core/archive/s3-client.js';
import { meterReadings, sendDatagrams } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestS3, type TestS3 } from '../../helpers/s3rver.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * A meter's archived range replayed straight from s3rver into the pipeline under the replay
 * prefix reproduces the meter's energy totals; the archive is only read; a corrupt object costs
 * its bucket only, named.
 */

const HOUR = 3600;
const BUCKET = 'replay-energy';
const DEVICE = 'D704206007001';

let s3: TestS3;
let s3Client: S3Client;
let env: TestStack;
let client: ApiClient;
let redis: Redis;

const hourStart = () => Math.floor(Date.now() / 1000 / HOUR) * HOUR;
/** Three whole hours, archived (hour buckets, no grace): from six hours ago to three hours ago. */
const from = hourStart() - 6 * HOUR;
const to = from + 3 * HOUR - 1;
const sent = meterReadings(from, 36);

beforeAll(async () => {
  s3 = await startTestS3();
  s3Client = createS3Client(s3.settings(BUCKET));
  env = await startTestStack({ config: { energy: { bucketSeconds: HOUR, graceSeconds: 0 }, archive: { intervalSeconds: 0, s3: s3.settings(BUCKET) } } });
  client = new ApiClient({ origin: env.origin, token: env.token });
  redis = redisClient(env.redisUrl);
  await sendDatagrams(env.udpUrl!, [JSON.stringify({ deviceId: DEVICE, readings: sent })]);
  await waitUntil('the readings written', async () => (await client.status()).figures.ingest.meterReadingsWritten === sent.length);
  await client.runArchive();
  await waitUntil('the three buckets archived', async () => {
    const { running, lastRun } = await client.archive();
    return running === null && lastRun?.bucketsDone === 3;
  });
});

afterAll(async () => {
  s3Client?.destroy();
  redis?.disconnect();
  await env?.stop();
  await s3?.stop();
});

async function objects(): Promise<Array<{ key: string; etag: string; modified: number }>> {
  const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((object) => ({ key: object.Key!, etag: object.ETag!, modified: object.LastModified!.getTime() }));
}

async function replayOf(): Promise<ReplayStatus> {
  await client.startReplay({ source: { kind: 'archive', deviceId: DEVICE, from, to }, speed: 10_000 });
  return waitUntil('the replay to end', async () => {
    const status = await client.replay();
    return ['finished', 'stopped', 'failed'].includes(status.state) ? status : null;
  }, { timeoutMs: 30_000, intervalMs: 50 });
}

/** The series the Meters page draws, per reading (5-minute points), on the connection `id`. */
async function series(id: 'workbench' | 'workbench-replay'): Promise<{ points: EnergyPoint[]; readings: number; sources: string[] }> {
  await client.activateConnection(id);
  try {
    const answer = await client.meterEnergy(DEVICE, from, to, 300);
    return { points: answer.points, readings: answer.readings, sources: answer.buckets.map((bucket) => bucket.source) };
  } finally {
    await client.activateConnection('workbench');
  }
}

describe('replaying an archived range from S3', () => {
  it('reproduces the meter energy totals under the replay prefix, and leaves every archived object as it was', async () => {
    const live = await series('workbench');
    expect(live.sources).toEqual(['s3', 's3', 's3']);
    expect(live.readings).toBe(36);
    const before = await objects();
    expect(before).toHaveLength(3);

    const status = await replayOf();
    expect(status).toMatchObject({ state: 'finished', published: 36, acknowledged: 36, badBuckets: [], keys: 'prefix', startTime: from * 1000, progress: 1 });
    expect(status.sourceLabel).toContain(`s3://${BUCKET}/energy/${DEVICE}/`);

    const replayed = await series('workbench-replay');
    expect(replayed.sources).toEqual(['redis', 'redis', 'redis']);
    expect(replayed.readings).toBe(live.readings);
    expect(replayed.points).toEqual(live.points);
    const total = (points: EnergyPoint[]) => points.reduce((sum, point) => sum + point.eReal, 0);
    expect(total(replayed.points)).toBeCloseTo(total(live.points));

    expect(await objects()).toEqual(before);
    // The replay's buckets are nobody's to archive: they are not in the live pending set.
    expect(await redis.scard('backend:dev:energy:pending')).toBe(0);
  });

  it('names a corrupt object\'s bucket and replays the rest', async () => {
    await client.clearReplayKeys();
    const live = await series('workbench');
    const corrupt = from + HOUR;
    await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `energy/${DEVICE}/${corrupt}.ndjson.lz4`, Body: 'not an LZ4 frame at all' }));

    const status = await replayOf();
    expect(status).toMatchObject({ state: 'finished', published: 24 });
    expect(status.badBuckets).toEqual([{ bucketStart: corrupt, objectKey: `energy/${DEVICE}/${corrupt}.ndjson.lz4`, reason: expect.stringMatching(/^corrupt: not a readable LZ4 frame/) }]);

    const replayed = await series('workbench-replay');
    const outside = (points: EnergyPoint[]) => points.filter((point) => point.t < corrupt || point.t >= corrupt + HOUR);
    expect(replayed.points).toEqual(outside(live.points));
  });

  it('refuses to replay an archive into the live keys, and a range with nothing archived', async () => {
    await expect(client.startReplay({ source: { kind: 'archive', deviceId: DEVICE, from, to }, keys: 'live' })).rejects.toMatchObject({ status: 400, field: 'keys' });
    await client.startReplay({ source: { kind: 'archive', deviceId: 'D704206009999', from, to } });
    const status = await waitUntil('the replay to fail', async () => {
      const replay = await client.replay();
      return replay.state === 'failed' ? replay : null;
    });
    expect(status.error).toMatch(/no archived bucket of meter D704206009999/);
  });
});
