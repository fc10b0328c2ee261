import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { Archiver, type ArchiverOptions } from '../../../core/archive/archiver.js';
import { uploadBucket } from '../../../core/archive/bucket-archive.js';
import { BucketEncoder } from '../../../core/archive/bucket-encoder.js';
import { EnergyObjectStore } from '../../../core/archive/energy-object-store.js';
import { energyObjectKey } from '../../../core/archive/energy-object.js';
import { createS3Client, type S3Settings } from '../../../core/archive/s3-client.js';
import { configSchema, type Config } from '../../../core/config/schema.js';
import { createKeySchema, type EnergyBucketRef } from '../../../core/model/keys.js';
import type { PendingBucket } from '../../../core/api/archive.js';
import { useArchiveTestEnv } from '../../helpers/archive-test-env.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * The archiver against a real redis-server and a real S3 API (s3rver): what lands in S3 must be
 * readable by the reference lz4 CLI, and no failure or crash may lose a reading or leave it twice.
 */

const DAY = 86_400;
const keys = createKeySchema({ keyPrefix: '' });
const defaults = configSchema.parse({});
const energy: Config['energy'] = defaults.energy;
/** A fixed "now": 2024-01-10 12:00 UTC; the buckets of 2024-01-01 … 2024-01-08 are stale. */
const NOW_MS = Date.UTC(2024, 0, 10, 12);
const DAY_1 = Date.UTC(2024, 0, 1) / 1000;
const TODAY = Date.UTC(2024, 0, 10) / 1000;

const env = useArchiveTestEnv('archive-test');
const archivers: Archiver[] = [];

afterEach(async () => {
  await Promise.all(archivers.splice(0).map((archiver) => archiver.stop()));
});

/** A reading shaped like the source document's, varied a little by its timestamp. */
function meterReading(timestamp: number): string {
  const drift = timestamp % 17;
  return JSON.stringify({
    eReal: [-4, -11, 1, -5, 0, -3083 - drift],
    eRealNegative: [4, 11, 0, 5, 1, 3083 + drift],
    eRealPositive: [0, 0, 1, 0, 1, 0],
    eReactive: [-5, -5, -8, -7, -2, -4090 + drift],
    eReactiveNegative: [5, 5, 8, 7, 2, 4090 - drift],
    eReactivePositive: [0, 0, 0, 0, 0, 0],
    vRMSMin: [249, 249, 249, 249, 249, 249 - (drift % 3)],
    vRMSMax: [250.2, 250.2, 250.2, 250.2, 250.2, 250.2],
    iRMSMin: [0.022, 0.022, 0.022, 0.022, 0.022, 0.087],
    iRMSMax: [0.023, 0.023, 0.023, 0.023, 0.024, 0.09],
    timestamp,
    duration: 300,
  });
}

/** What the ingest writes for each reading: RPUSH to the bucket list, SADD of its name to pending. */
async function pushReadings(deviceId: string, readings: readonly string[]): Promise<void> {
  for (const reading of readings) {
    const bucketStart = Math.floor((JSON.parse(reading) as { timestamp: number }).timestamp / DAY) * DAY;
    const list = keys.energyBucket(deviceId, bucketStart);
    await env.redis.multi().rpush(list, reading).sadd(keys.energyPending, list).zadd(keys.meterBuckets(deviceId), bucketStart, bucketStart).exec();
  }
}

/** `count` readings 5 minutes apart from the start of the bucket, already in Redis. */
async function fillBucket(deviceId: string, bucketStart: number, count: number): Promise<string[]> {
  const readings = Array.from({ length: count }, (_, i) => meterReading(bucketStart + i * 300));
  const list = keys.energyBucket(deviceId, bucketStart);
  await env.redis.multi().rpush(list, ...readings).sadd(keys.energyPending, list).zadd(keys.meterBuckets(deviceId), bucketStart, bucketStart).exec();
  return readings;
}

interface ArchiverSetup extends Partial<Omit<ArchiverOptions, 'archive' | 's3'>> {
  archive?: Partial<Omit<Config['archive'], 's3'>>;
  s3?: Partial<S3Settings>;
  lines?: string[];
}

function makeArchiver({ archive, s3: s3Overrides, lines = [], ...options }: ArchiverSetup = {}): Archiver {
  const archiver = new Archiver({
    redis: env.redis,
    keys,
    energy,
    archive: { ...defaults.archive, intervalSeconds: 0, scanCount: 7, ...archive, s3: { ...env.s3.settings(env.bucket), ...s3Overrides } },
    log: (line) => lines.push(line),
    now: () => NOW_MS,
    ...options,
  });
  archivers.push(archiver);
  return archiver;
}

/** One pass by an archiver that then stops (gives up its lease), as a workbench that archived and quit. */
async function archiveAndStop(): Promise<void> {
  const archiver = makeArchiver();
  await archiver.runNow('manual');
  await archiver.stop();
}

async function getObject(deviceId: string, bucketStart: number): Promise<{ body: Buffer; etag: string; metadata: Record<string, string>; contentType: string | undefined }> {
  const answer = await env.s3Client.send(new GetObjectCommand({ Bucket: env.bucket, Key: energyObjectKey('', deviceId, bucketStart) }));
  return {
    body: Buffer.from(await answer.Body!.transformToByteArray()),
    etag: (answer.ETag ?? '').replaceAll('"', ''),
    metadata: answer.Metadata ?? {},
    contentType: answer.ContentType,
  };
}

/** The object's readings as the reference lz4 CLI decodes them, one per line. */
async function cliDecodedLines(deviceId: string, bucketStart: number): Promise<string[]> {
  const { body } = await getObject(deviceId, bucketStart);
  const child = spawn('/usr/bin/lz4', ['-d', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(body);
  const code = await exited;
  if (code !== 0) throw new Error(`lz4 -d exited with ${code}: ${stderr}`);
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

async function objectExists(deviceId: string, bucketStart: number): Promise<boolean> {
  try {
    await env.s3Client.send(new HeadObjectCommand({ Bucket: env.bucket, Key: energyObjectKey('', deviceId, bucketStart) }));
    return true;
  } catch {
    return false;
  }
}

async function bucketInRedis(deviceId: string, bucketStart: number): Promise<{ length: number; pending: boolean; archived: string[] }> {
  const list = keys.energyBucket(deviceId, bucketStart);
  const [length, pending, archived] = await Promise.all([
    env.redis.llen(list),
    env.redis.sismember(keys.energyPending, list),
    env.redis.zrangebyscore(keys.meterArchived(deviceId), bucketStart, bucketStart),
  ]);
  return { length, pending: pending === 1, archived };
}

function timestampsOf(lines: readonly string[]): number[] {
  return lines.map((line) => (JSON.parse(line) as { timestamp: number }).timestamp);
}

describe('archiving a stale bucket', () => {
  it('uploads an LZ4 frame the lz4 CLI decodes to exactly the pushed readings, then clears Redis and indexes the ETag', async () => {
    await env.s3.createBucket(env.bucket);
    const readings = await fillBucket('D704206006772', DAY_1, 288);

    const summary = await makeArchiver().runNow('manual');

    expect(summary).toMatchObject({ error: null, bucketsTotal: 1, bucketsDone: 1, bucketsFailed: 0, bucketsLate: 0, readings: 288, scanComplete: true });
    expect(await cliDecodedLines('D704206006772', DAY_1)).toEqual(readings);
    const object = await getObject('D704206006772', DAY_1);
    expect(object.etag).toBe(createHash('md5').update(object.body).digest('hex'));
    expect(object.contentType).toBe('application/x-ndjson');
    expect(object.metadata).toMatchObject({ readings: '288', 'raw-bytes': String(summary.bytesIn) });
    expect(await bucketInRedis('D704206006772', DAY_1)).toEqual({ length: 0, pending: false, archived: [`${DAY_1}:${object.etag}`] });
    expect(await env.redis.zscore(keys.meterArchived('D704206006772'), `${DAY_1}:${object.etag}`)).toBe(String(DAY_1));
  });

  it('archives only buckets whose end plus the grace period has passed', async () => {
    await env.s3.createBucket(env.bucket);
    await fillBucket('m-1', DAY_1, 3);
    // Yesterday's bucket ended 12 h ago: stale. Today's is still filling.
    await fillBucket('m-1', TODAY - DAY, 3);
    await fillBucket('m-1', TODAY, 3);
    // Within the grace period (ended 10 minutes before "now", grace is 15).
    const inGrace = NOW_MS / 1000 - 600 - DAY;

    await fillBucket('m-2', inGrace, 2);
    const summary = await makeArchiver().runNow('manual');

    expect(summary).toMatchObject({ bucketsTotal: 2, bucketsDone: 2, error: null });
    expect((await bucketInRedis('m-1', DAY_1)).pending).toBe(false);
    expect((await bucketInRedis('m-1', TODAY - DAY)).pending).toBe(false);
    expect(await bucketInRedis('m-1', TODAY)).toMatchObject({ length: 3, pending: true, archived: [] });
    expect(await bucketInRedis('m-2', inGrace)).toMatchObject({ length: 2, pending: true });
    expect(await objectExists('m-1', TODAY)).toBe(false);
  });

  it('leaves a bucket that got a reading during its upload in Redis, and archives it with that reading next pass', async () => {
    await env.s3.createBucket(env.bucket);
    const readings = await fillBucket('late-1', DAY_1, 10);
    const late = meterReading(DAY_1 + 10 * 300);
    let pushed = false;
    const archiver = makeArchiver({
      afterUpload: async () => {
        if (pushed) return;
        pushed = true;
        await pushReadings('late-1', [late]);
      },
    });

    const first = await archiver.runNow('manual');

    expect(first).toMatchObject({ bucketsTotal: 1, bucketsDone: 0, bucketsLate: 1, error: null });
    expect(await bucketInRedis('late-1', DAY_1)).toEqual({ length: 11, pending: true, archived: [] });

    const second = await archiver.runNow('manual');

    expect(second).toMatchObject({ bucketsDone: 1, bucketsLate: 0, readings: 11 });
    expect(await cliDecodedLines('late-1', DAY_1)).toEqual([...readings, late]);
    expect(await bucketInRedis('late-1', DAY_1)).toMatchObject({ length: 0, pending: false });
  });

  it('merges a reading that arrives after its bucket was archived into the existing object', async () => {
    await env.s3.createBucket(env.bucket);
    const readings = await fillBucket('late-2', DAY_1, 5);
    const archiver = makeArchiver();
    await archiver.runNow('manual');
    const before = await getObject('late-2', DAY_1);

    // One new reading, and one the device sent again (same timestamp): only the new one is added.
    const late = meterReading(DAY_1 + 3600 * 20);
    await pushReadings('late-2', [late, readings[2]!]);
    const summary = await archiver.runNow('manual');

    expect(summary).toMatchObject({ bucketsDone: 1, error: null });
    expect(await cliDecodedLines('late-2', DAY_1)).toEqual([...readings, late]);
    const after = await getObject('late-2', DAY_1);
    expect(after.etag).not.toBe(before.etag);
    expect(after.metadata.readings).toBe('6');
    expect(await bucketInRedis('late-2', DAY_1)).toEqual({ length: 0, pending: false, archived: [`${DAY_1}:${after.etag}`] });
  });

  it('recreates the S3 bucket when a late reading belongs to a bucket archived to a bucket that is gone', async () => {
    await env.s3.createBucket(env.bucket);
    await fillBucket('late-3', DAY_1, 3);
    await archiveAndStop();
    // The user points the archive at a fresh, not yet existing bucket; the index still says "archived".
    env.bucket = `${env.bucket}-moved`;
    const late = meterReading(DAY_1 + 3600 * 20);
    await pushReadings('late-3', [late]);
    const summary = await makeArchiver().runNow('manual');

    expect(summary).toMatchObject({ bucketsDone: 1, bucketsFailed: 0, error: null });
    // The first three stay in the old bucket's object; the new bucket gets what Redis still held.
    expect(await cliDecodedLines('late-3', DAY_1)).toEqual([late]);
    expect(await bucketInRedis('late-3', DAY_1)).toMatchObject({ length: 0, pending: false });
  });

  it('keeps late readings in Redis when the archived object cannot be read, and goes on with other buckets', async () => {
    await env.s3.createBucket(env.bucket);
    await fillBucket('K1', DAY_1, 3);
    await fillBucket('K2', DAY_1, 3);
    await env.redis.zadd(keys.meterArchived('K1'), DAY_1, `${DAY_1}:0123456789abcdef0123456789abcdef`);
    await env.s3Client.send(new PutObjectCommand({ Bucket: env.bucket, Key: energyObjectKey('', 'K1', DAY_1), Body: 'not an lz4 frame' }));
    const lines: string[] = [];

    const summary = await makeArchiver({ lines }).runNow('manual');

    expect(summary).toMatchObject({ bucketsTotal: 2, bucketsDone: 1, bucketsFailed: 1, error: null });
    expect(await bucketInRedis('K1', DAY_1)).toMatchObject({ length: 3, pending: true });
    expect(await bucketInRedis('K2', DAY_1)).toMatchObject({ length: 0, pending: false });
    expect(lines).toContainEqual(expect.stringMatching(/energy\/K1\/\d+\.ndjson\.lz4 cannot be merged with late readings: not a readable LZ4 frame/));
  });

  it('drops the pending entry of a list that no longer exists, and leaves entries of other namespaces alone', async () => {
    await env.s3.createBucket(env.bucket);
    const foreign = ['other:ns:energy:D1:86400', 'backend:dev:energy:not-a-bucket'];
    await env.redis.sadd(keys.energyPending, keys.energyBucket('gone', DAY_1), ...foreign);
    const lines: string[] = [];
    const archiver = makeArchiver({ lines });

    const summary = await archiver.runNow('manual');
    await archiver.runNow('manual');

    expect(summary).toMatchObject({ bucketsTotal: 1, bucketsDone: 1, error: null });
    expect((await env.redis.smembers(keys.energyPending)).sort()).toEqual([...foreign].sort());
    for (const name of foreign) expect(lines.filter((line) => line.includes(name))).toHaveLength(1);
  });
});

describe('progress and the run summary', () => {
  it('reports plausible figures, runs buckets in parallel, and keeps the last run across instances', async () => {
    await env.s3.createBucket(env.bucket);
    const devices = Array.from({ length: 6 }, (_, i) => `P${i}`);
    for (const device of devices) for (let day = 0; day < 4; day += 1) await fillBucket(device, DAY_1 + day * DAY, 288);
    let active = 0;
    let maxActive = 0;
    let runningSeen: unknown = null;
    const lines: string[] = [];
    const archiver: Archiver = makeArchiver({
      lines,
      archive: { concurrency: 3, scanCount: 5 },
      afterUpload: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        runningSeen ??= (await archiver.status()).running;
        await new Promise((resolve) => setTimeout(resolve, 20));
        active -= 1;
      },
    });

    const summary = await archiver.runNow('manual');

    expect(summary).toMatchObject({ bucketsTotal: 24, bucketsDone: 24, bucketsFailed: 0, readings: 24 * 288, scanComplete: true, error: null, trigger: 'manual' });
    expect(summary.bytesIn).toBeGreaterThan(24 * 288 * 300);
    expect(summary.bytesOut).toBeGreaterThan(0);
    expect(summary.ratio).toBeCloseTo(summary.bytesIn / summary.bytesOut, 6);
    expect(summary.ratio!).toBeGreaterThan(1.5);
    expect(maxActive).toBeGreaterThan(1);
    expect(maxActive).toBeLessThanOrEqual(3);
    expect(runningSeen).toMatchObject({ trigger: 'manual', bucketsTotal: expect.any(Number) });
    expect(lines.filter((line) => line.startsWith('archive (manual): 24/24 buckets'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/24\/24 buckets, 6912 readings, [\d.]+ MB in, [\d.]+ MB out \(ratio [\d.]+\), [\d.]+ s/);

    const status = await makeArchiver().status();
    expect(status).toMatchObject({ configured: true, reason: null, pending: 0, running: null, failing: null, lastRun: summary });
    expect(status.target).toMatchObject({ bucket: env.bucket, pathStyle: true, credentials: 'explicit' });
  });

  it('lists pending buckets one SSCAN step at a time and archived objects one page at a time', async () => {
    await env.s3.createBucket(env.bucket);
    await fillBucket('L1', DAY_1, 4);
    await fillBucket('L1', TODAY, 2);
    const archiver = makeArchiver();

    const seen: PendingBucket[] = [];
    let cursor = '0';
    do {
      const page = await archiver.pending(cursor, 1);
      seen.push(...page.buckets);
      cursor = page.cursor;
    } while (cursor !== '0');
    expect(seen.sort((a, b) => a.bucketStart - b.bucketStart)).toEqual([
      { key: keys.energyBucket('L1', DAY_1), deviceId: 'L1', bucketStart: DAY_1, readings: 4, stale: true },
      { key: keys.energyBucket('L1', TODAY), deviceId: 'L1', bucketStart: TODAY, readings: 2, stale: false },
    ]);

    for (let day = 1; day < 4; day += 1) await fillBucket('L2', DAY_1 + day * DAY, 1);
    await archiver.runNow('manual');
    const first = await archiver.objects(null);
    expect(first.objects.map((object) => object.key)).toEqual([
      `energy/L1/${DAY_1}.ndjson.lz4`,
      `energy/L2/${DAY_1 + DAY}.ndjson.lz4`,
      `energy/L2/${DAY_1 + 2 * DAY}.ndjson.lz4`,
      `energy/L2/${DAY_1 + 3 * DAY}.ndjson.lz4`,
    ]);
    expect(first.objects[0]!.bytes).toBeGreaterThan(0);
    expect(first.objects[0]!.lastModified).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect(first.next).toBeNull();
    const after = await archiver.objects(`energy/L2/${DAY_1 + DAY}.ndjson.lz4`);
    expect(after.objects).toHaveLength(2);
  });

  it('stop() starts no further bucket and waits for the one in progress', async () => {
    await env.s3.createBucket(env.bucket);
    for (let day = 0; day < 3; day += 1) await fillBucket('S1', DAY_1 + day * DAY, 2);
    let release: () => void = () => undefined;
    const uploading = new Promise<void>((resolve) => (release = resolve));
    let reachedHook: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (reachedHook = resolve));
    const archiver = makeArchiver({
      archive: { concurrency: 1 },
      afterUpload: async () => {
        reachedHook();
        await uploading;
      },
    });

    const run = archiver.runNow('manual');
    await reached;
    let stopped = false;
    const stopping = archiver.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(await run).toMatchObject({ bucketsDone: 1, scanComplete: false });
    expect(await env.redis.scard(keys.energyPending)).toBe(2);
  });
});

describe('crash between upload and finalize', () => {
  function uploadContext() {
    const settings = env.s3.settings(env.bucket);
    const client = createS3Client(settings);
    const store = new EnergyObjectStore(client, { ...settings, bucket: env.bucket });
    return { client, context: { redis: env.redis, keys, store, encoder: new BucketEncoder(() => undefined), log: () => undefined, token: () => null } };
  }

  it('leaves Redis as it was, and the next pass re-uploads and finalizes: every reading once', async () => {
    await env.s3.createBucket(env.bucket);
    const readings = await fillBucket('C1', DAY_1, 50);
    const bucket: EnergyBucketRef = { deviceId: 'C1', bucketStart: DAY_1 };
    const { client, context } = uploadContext();
    // The upload alone, as if the process died right after it.
    const uploaded = await uploadBucket(context, bucket);
    client.destroy();
    await context.encoder.close();

    expect(uploaded).toMatchObject({ listLength: 50 });
    expect(await objectExists('C1', DAY_1)).toBe(true);
    expect(await bucketInRedis('C1', DAY_1)).toEqual({ length: 50, pending: true, archived: [] });

    const summary = await makeArchiver().runNow('manual');

    expect(summary).toMatchObject({ bucketsDone: 1, error: null });
    expect(await cliDecodedLines('C1', DAY_1)).toEqual(readings);
    const { etag } = await getObject('C1', DAY_1);
    expect(await bucketInRedis('C1', DAY_1)).toEqual({ length: 0, pending: false, archived: [`${DAY_1}:${etag}`] });
    expect(await env.redis.keys('backend:dev:energy:*')).toEqual([]);
  });

  it('does not duplicate late readings when the crash follows the upload of a merged object', async () => {
    await env.s3.createBucket(env.bucket);
    const readings = await fillBucket('C2', DAY_1, 5);
    await archiveAndStop();
    const late = [meterReading(DAY_1 + 7000), meterReading(DAY_1 + 8000)];
    await pushReadings('C2', late);
    const { client, context } = uploadContext();
    await uploadBucket(context, { deviceId: 'C2', bucketStart: DAY_1 });
    client.destroy();
    await context.encoder.close();

    await makeArchiver().runNow('manual');

    const lines = await cliDecodedLines('C2', DAY_1);
    expect(lines).toEqual([...readings, ...late]);
    expect(new Set(timestampsOf(lines)).size).toBe(lines.length);
    const { etag } = await getObject('C2', DAY_1);
    expect(await bucketInRedis('C2', DAY_1)).toEqual({ length: 0, pending: false, archived: [`${DAY_1}:${etag}`] });
  });
});

describe('when S3 fails', () => {
  it('stops the pass early, keeps the buckets, backs off, and archives everything once S3 is back', async () => {
    await env.s3.createBucket(env.bucket);
    for (let day = 0; day < 8; day += 1) await fillBucket('F1', DAY_1 + day * DAY, 3);
    let now = NOW_MS;
    const lines: string[] = [];
    let paused = false;
    const archiver = makeArchiver({
      lines,
      now: () => now,
      retryDelaysMs: [1_000, 4_000],
      archive: { concurrency: 1 },
      // S3 goes away while the run is under way, right after the first upload.
      afterUpload: async () => {
        if (paused) return;
        paused = true;
        await env.s3.pause();
      },
    });

    const failed = await archiver.runNow('manual');

    expect(failed.bucketsDone).toBe(1);
    expect(failed.bucketsFailed).toBe(0);
    expect(failed.error).toMatch(/PutObject .* at http:\/\/127\.0\.0\.1:\d+ failed: connection refused/);
    expect(await env.redis.scard(keys.energyPending)).toBe(7);
    const status = await archiver.status();
    expect(status.failing).toEqual({ error: failed.error, since: NOW_MS, retryAt: NOW_MS + 1_000 });
    expect(status.lastRun).toEqual(failed);
    expect(lines.filter((line) => line.includes('failing'))).toHaveLength(1);

    now += 2_000;
    await archiver.runNow('manual');
    expect((await archiver.status()).failing).toMatchObject({ since: NOW_MS, retryAt: now + 4_000 });

    await env.s3.restart();
    const recovered = await archiver.runNow('manual');

    expect(recovered).toMatchObject({ bucketsDone: 7, error: null });
    expect((await archiver.status()).failing).toBeNull();
    expect(await env.redis.scard(keys.energyPending)).toBe(0);
    for (let day = 0; day < 8; day += 1) expect(await cliDecodedLines('F1', DAY_1 + day * DAY)).toHaveLength(3);
    // What /metrics reports: three passes, the first two failed, all eight buckets moved in the end.
    expect(archiver.totals()).toMatchObject({ passes: 3, failedPasses: 2, bucketsDone: 8, bucketsFailed: 0 });
    expect(archiver.totals().bytesOut).toBeGreaterThan(0);
    expect(archiver.totals().bytesIn).toBeGreaterThan(archiver.totals().bytesOut);
  });

  it('retries automatically at the back-off time rather than the interval', async () => {
    await env.s3.createBucket(env.bucket);
    await fillBucket('F2', DAY_1, 2);
    await env.s3.pause();
    const archiver = makeArchiver({ archive: { intervalSeconds: 3600 }, retryDelaysMs: [300] });
    try {
      archiver.start();
      expect((await archiver.status()).nextRunAt).toBe(NOW_MS + 3_600_000);

      const failed = await archiver.runNow('manual');
      expect(failed.error).toMatch(/connection refused/);
      const status = await archiver.status();
      expect(status.nextRunAt).toBe(status.failing!.retryAt);
      expect(status.failing!.retryAt).toBe(NOW_MS + 300);
    } finally {
      await env.s3.restart();
    }
    await waitUntil('the automatic retry to archive the bucket', async () => (await env.redis.scard(keys.energyPending)) === 0);
    await waitUntil('failing to clear', async () => (await archiver.status()).failing === null);
    expect((await archiver.status()).nextRunAt).toBe(NOW_MS + 3_600_000);
  });

  it('says clearly that the bucket is missing when createBucket is off, and keeps the readings', async () => {
    await fillBucket('B1', DAY_1, 2);
    const archiver = makeArchiver({ s3: { createBucket: false } });

    const summary = await archiver.runNow('manual');

    expect(summary.error).toContain(`bucket "${env.bucket}" does not exist`);
    expect(summary.error).toContain('createBucket');
    expect((await archiver.status()).failing?.error).toBe(summary.error);
    expect(await bucketInRedis('B1', DAY_1)).toMatchObject({ length: 2, pending: true });
  });

  it('creates the missing bucket when createBucket is on', async () => {
    const readings = await fillBucket('B2', DAY_1, 2);

    const summary = await makeArchiver({ s3: { createBucket: true } }).runNow('manual');

    expect(summary).toMatchObject({ bucketsDone: 1, error: null });
    await env.s3Client.send(new HeadBucketCommand({ Bucket: env.bucket }));
    expect(await cliDecodedLines('B2', DAY_1)).toEqual(readings);
  });
});

describe('without an S3 bucket', () => {
  it('is not configured, says what to set, and archives nothing', async () => {
    await fillBucket('N1', DAY_1, 1);
    const archiver = makeArchiver({ s3: { bucket: undefined } });
    archiver.start();

    const status = await archiver.status();
    const summary = await archiver.runNow('manual');

    expect(status).toMatchObject({ configured: false, target: null, nextRunAt: null, pending: 1 });
    expect(status.reason).toContain('--s3-bucket');
    expect(summary.error).toContain('--s3-bucket');
    expect(await env.redis.scard(keys.energyPending)).toBe(1);
    await expect(archiver.objects(null)).rejects.toThrow(/--s3-bucket/);
  });
});
