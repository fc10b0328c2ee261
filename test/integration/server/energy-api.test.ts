import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ArchivedObjects,
  ArchiveStatus,
  PendingBuckets,
  S3ConnectionCheck,
} from '../../../core/api/archive.js';
import type {
  EnergyReadings,
  EnergySeries,
  MeterEmulatorStatus,
  MeterList,
} from '../../../core/api/energy.js';
import type { StackStatus } from '../../../core/api/status.js';
import { meterReadings, sendDatagrams } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestS3, type TestS3 } from '../../helpers/s3rver.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

const DAY = 86_400;
const BUCKET = 'workbench-energy';
const DEVICE = 'D704206006772';

let s3: TestS3;
let env: TestStack;
let redis: Redis;

const today = () => {
  const now = Math.floor(Date.now() / 1000);
  return now - (now % DAY);
};

async function api<T>(stack: TestStack, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.origin}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${stack.token}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  s3 = await startTestS3();
  env = await startTestStack({ config: { archive: { intervalSeconds: 0, s3: s3.settings(BUCKET) } } });
  redis = redisClient(env.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await env?.stop();
  await s3?.stop();
});

describe('the energy API over a stack with S3', () => {
  // Two full past days (stale) and this morning's readings (live): 288 + 288 + 12.
  const sent = [...meterReadings(today() - 2 * DAY, 288), ...meterReadings(today() - DAY, 288), ...meterReadings(today(), 12)];

  it('takes datagrams on the UDP address it reports and lists the meter', async () => {
    const status = (await api<StackStatus>(env, '/api/status')).body;
    expect(status.parts.udp).toMatchObject({ state: 'running', address: env.udpUrl });
    expect(status.parts.archive).toMatchObject({ state: 'running' });
    for (let offset = 0; offset < sent.length; offset += 50) {
      await sendDatagrams(env.udpUrl!, [JSON.stringify({ deviceId: DEVICE, readings: sent.slice(offset, offset + 50) })]);
    }
    await waitUntil('every reading written', async () => (await api<StackStatus>(env, '/api/status')).body.figures.ingest.meterReadingsWritten === sent.length);
    const { body: meters } = await api<MeterList>(env, '/api/meters');
    expect(meters.total).toBe(1);
    expect(meters.meters[0]).toMatchObject({ deviceId: DEVICE, readings: sent.length, transport: 'udp', buckets: 3, archivedBuckets: 0 });
  });

  it('archives the stale buckets on request, with progress, and leaves the live one pending', async () => {
    const started = await api<ArchiveStatus>(env, '/api/archive/run', { method: 'POST', body: '{}' });
    expect(started.status).toBe(200);
    const finished = await waitUntil('the pass to finish', async () => {
      const { body } = await api<ArchiveStatus>(env, '/api/archive');
      return body.running === null && body.lastRun?.trigger === 'manual' ? body : null;
    });
    expect(finished.lastRun).toMatchObject({ bucketsDone: 2, bucketsFailed: 0, readings: 576, error: null });
    expect(finished.lastRun!.ratio).toBeGreaterThan(1.5);
    expect(finished.pending).toBe(1);

    const { body: pending } = await api<PendingBuckets>(env, '/api/archive/pending');
    expect(pending.buckets).toEqual([{ key: `backend:dev:energy:${DEVICE}:${today()}`, deviceId: DEVICE, bucketStart: today(), readings: 12, stale: false }]);
    const { body: objects } = await api<ArchivedObjects>(env, '/api/archive/objects');
    expect(objects.objects.map((object) => object.key)).toEqual([`energy/${DEVICE}/${today() - 2 * DAY}.ndjson.lz4`, `energy/${DEVICE}/${today() - DAY}.ndjson.lz4`]);
  });

  it('answers a range across S3 and Redis with every reading once, and sums per interval', async () => {
    const from = today() - 2 * DAY;
    const to = today() + DAY - 1;
    const { body: readings } = await api<EnergyReadings>(env, `/api/meters/${DEVICE}/readings?from=${from}&to=${to}&limit=10000`);
    expect(readings.readings).toEqual(sent);
    expect(readings.buckets.map((bucket) => bucket.source)).toEqual(['s3', 's3', 'redis']);

    const { body: series } = await api<EnergySeries>(env, `/api/meters/${DEVICE}/energy?from=${from}&to=${to}&interval=${DAY}`);
    expect(series.points.map((point) => point.readings)).toEqual([288, 288, 12]);
    const eRealSum = (slice: typeof sent) => slice.reduce((sum, reading) => sum + (reading.eReal as number[]).reduce((a, b) => a + b, 0), 0);
    expect(series.points[0]!.eReal).toBeCloseTo(eRealSum(sent.slice(0, 288)));
    expect(series.readings).toBe(sent.length);
  });

  it('tests the S3 connection step by step', async () => {
    const { body } = await api<S3ConnectionCheck>(env, '/api/archive/test', { method: 'POST', body: '{}' });
    expect(body).toMatchObject({ ok: true, problem: null });
    expect(body.steps.map((step) => step.step)).toEqual(expect.arrayContaining(['dns', 'connect', 'credentials', 'bucket', 'write', 'read', 'delete']));
  });

  it('refuses bad ranges and ids with 400 and a reason', async () => {
    const bad = [
      `/api/meters/${DEVICE}/energy?from=200&to=100&interval=60`,
      `/api/meters/${DEVICE}/energy?from=0&to=100&interval=0`,
      `/api/meters/${DEVICE}/energy?from=0&to=${400 * DAY}&interval=3600`,
      `/api/meters/bad:id/readings?from=0&to=100`,
      `/api/archive/pending?cursor=abc`,
    ];
    for (const path of bad) {
      const { status, body } = await api<{ error: string }>(env, path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body.error.length).toBeGreaterThan(5);
    }
  });

  it('starts and stops the meter emulator', async () => {
    const { body: running } = await api<MeterEmulatorStatus>(env, '/api/emulator/meters', { method: 'POST', body: JSON.stringify({ action: 'start', meters: 3, speed: 2880, historyDays: 1 }) });
    expect(running).toMatchObject({ running: true, meters: 3, speed: 2880, transport: 'udp' });
    await waitUntil('emulated readings written', async () => (await api<MeterList>(env, '/api/meters')).body.total >= 4);
    const { body: stopped } = await api<MeterEmulatorStatus>(env, '/api/emulator/meters', { method: 'POST', body: JSON.stringify({ action: 'stop' }) });
    expect(stopped.running).toBe(false);
    const { status } = await api(env, '/api/emulator/meters', { method: 'POST', body: JSON.stringify({ action: 'start', speed: 0 }) });
    expect(status).toBe(400);
  });
});

describe('the archive API without S3', () => {
  it('says what to set and refuses to run', async () => {
    const bare = await startTestStack();
    try {
      const { body } = await api<ArchiveStatus>(bare, '/api/archive');
      expect(body).toMatchObject({ configured: false, target: null });
      expect(body.reason).toMatch(/--s3-bucket/);
      const run = await api<{ error: string }>(bare, '/api/archive/run', { method: 'POST', body: '{}' });
      expect(run.status).toBe(409);
      expect(run.body.error).toMatch(/--s3-bucket/);
    } finally {
      await bare.stop();
    }
  });
});
