import type { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Archiver } from '../archive/archiver.js';
import { createS3Client } from '../archive/s3-client.js';
import { configSchema, type Config } from '../config/schema.js';
import { meterId, meterReading } from '../emulator/meter-generator.js';
import type { WriteStrategy } from '../ingest/ingest.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import type { KeySchema } from '../model/keys.js';
import { EnergyQuery } from '../query/energy-query.js';
import { startBenchIngest } from './ingest-phase.js';
import { runMeterSender } from './publisher-runner.js';
import { redisCpuSeconds } from './redis-cpu.js';

const DAY = 86_400;
const READING_SECONDS = 300;
const READINGS_PER_DAY = DAY / READING_SECONDS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits: number) => Number(value.toFixed(digits));

export interface EnergyBenchContext {
  redis: Redis;
  redisUrl: string;
  keys: KeySchema;
  log: (line: string) => void;
}

export interface MeterIngestSettings {
  /** Readings per second offered by all sender processes together. */
  offeredRate: number;
  readingsPerDatagram: number;
  senders: number;
  meters: number;
  warmupMs: number;
  measureMs: number;
}

export interface MeterIngestResult {
  writtenPerSec: number;
  sent: number;
  received: number;
  /** Datagrams that never reached ingest (kernel socket buffer) or were dropped by it. */
  lost: number;
  cpuIngestProcess: number;
  cpuRedis: number;
  latencyP99Ms: number | null;
}

/** UDP datagrams from sender processes → the ingest worker → redis-server, at a fixed offered rate. */
export async function meterIngestPhase(
  { redis, redisUrl, log }: EnergyBenchContext,
  name: string,
  strategy: WriteStrategy,
  settings: MeterIngestSettings,
): Promise<MeterIngestResult> {
  await redis.flushall();
  const ingest = await startBenchIngest({ source: { subscribe: async () => async () => undefined }, target: { url: redisUrl }, listenUdp: true, strategy, log });
  const durationMs = settings.warmupMs + settings.measureMs + 500;
  const metersPerSender = Math.floor(settings.meters / settings.senders);
  const startTimestamp = bucketStartOf(Math.floor(Date.now() / 1000) - 30 * DAY, DAY);
  const senders = Array.from({ length: settings.senders }, (_, index) =>
    runMeterSender({
      udpUrl: ingest.udpUrl!,
      rate: settings.offeredRate / settings.senders,
      durationMs,
      firstMeter: 1 + index * metersPerSender,
      meters: metersPerSender,
      startTimestamp,
      readingsPerDatagram: settings.readingsPerDatagram,
    }),
  );
  await sleep(settings.warmupMs);
  ingest.resetLatency();
  await sleep(300);
  const start = { written: ingest.snapshot().meterReadingsWritten, at: performance.now(), cpu: process.cpuUsage(), redisCpu: await redisCpuSeconds(redis) };
  await sleep(settings.measureMs);
  const end = ingest.snapshot();
  const seconds = (performance.now() - start.at) / 1000;
  const cpu = process.cpuUsage(start.cpu);
  const redisCpu = (await redisCpuSeconds(redis)) - start.redisCpu;
  const results = await Promise.all(senders);
  const sent = results.reduce((sum, result) => sum + result.sent, 0);
  await sleep(1000);
  await ingest.stop();
  const final = ingest.snapshot();
  const result: MeterIngestResult = {
    writtenPerSec: (end.meterReadingsWritten - start.written) / seconds,
    sent,
    received: final.meterReadingsReceived,
    lost: sent - final.meterReadingsWritten,
    cpuIngestProcess: round((cpu.user + cpu.system) / 1e6 / seconds, 2),
    cpuRedis: round(redisCpu / seconds, 2),
    latencyP99Ms: end.latency.p99,
  };
  log(
    `${name}: ${Math.round(result.writtenPerSec).toLocaleString('en')} meter readings/s written of ${settings.offeredRate.toLocaleString('en')}/s offered; ` +
      `sent ${sent}, received ${result.received}, written ${final.meterReadingsWritten}, not written ${result.lost}; ` +
      `CPU cores: ingest process ${result.cpuIngestProcess}, redis ${result.cpuRedis}; latency p99 ${result.latencyP99Ms?.toFixed(1) ?? '–'} ms`,
  );
  return result;
}

/**
 * A local S3 (s3rver) for the archive and query phases, in its own process like a real S3 endpoint,
 * so its CPU is not counted against the archiver's thread.
 */
export async function startBenchS3(): Promise<{ settings: (bucket: string) => Config['archive']['s3']; stop(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'sw-bench-s3-'));
  const port = await freeTcpPort();
  const child = spawn(process.execPath, [S3RVER_BIN, '-d', directory, '-a', '127.0.0.1', '-p', String(port), '-s'], { stdio: 'ignore' });
  // A bench that dies half-way must not leave the server running.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  await waitForPort(port, 10_000);
  return {
    settings: (bucket) =>
      configSchema.parse({
        archive: { s3: { endpoint: `http://127.0.0.1:${port}`, bucket, pathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
      }).archive.s3,
    stop: async () => {
      process.off('exit', killOnExit);
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const S3RVER_BIN = fileURLToPath(new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url));

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`s3rver did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** `days` full days of 5-minute emulator readings for each of `meters` meters, written straight into the bucket lists. */
export async function fillEnergyBuckets(redis: Redis, keys: KeySchema, meters: number, days: number, firstDay: number): Promise<{ readings: number; bytes: number }> {
  let readings = 0;
  let bytes = 0;
  for (let meter = 1; meter <= meters; meter++) {
    const deviceId = meterId(meter);
    const pipeline = redis.pipeline();
    for (let day = 0; day < days; day++) {
      const bucketStart = firstDay + day * DAY;
      const lines = Array.from({ length: READINGS_PER_DAY }, (_, slot) => JSON.stringify(meterReading(deviceId, bucketStart + slot * READING_SECONDS, READING_SECONDS)));
      for (const line of lines) bytes += Buffer.byteLength(line) + 1;
      readings += lines.length;
      const list = keys.energyBucket(deviceId, bucketStart);
      pipeline.rpush(list, ...lines).sadd(keys.energyPending, list).zadd(keys.meterBuckets(deviceId), bucketStart, bucketStart);
    }
    await pipeline.exec();
  }
  return { readings, bytes };
}

export interface ArchivePhaseResult {
  mbPerSec: number;
  ratio: number | null;
  buckets: number;
  seconds: number;
}

/** One archive pass over everything in the pending set (all of it stale), timed. */
export async function archivePhase(
  { redis, keys, log }: EnergyBenchContext,
  name: string,
  s3: Config['archive']['s3'],
  concurrency: number,
): Promise<ArchivePhaseResult> {
  const config = configSchema.parse({});
  const archiver = new Archiver({
    redis,
    keys,
    energy: config.energy,
    archive: { ...config.archive, intervalSeconds: 0, concurrency, s3 },
    log: (line) => log(`  archive: ${line}`),
  });
  // As in the app, the archiver has been started (LZ4 worker loaded, bucket created) before a pass.
  archiver.start();
  await sleep(1000);
  const started = performance.now();
  const summary = await archiver.runNow('manual');
  const seconds = (performance.now() - started) / 1000;
  await archiver.stop();
  if (summary.error) throw new Error(`${name}: the archive pass failed: ${summary.error}`);
  const result = { mbPerSec: summary.bytesIn / 1e6 / seconds, ratio: summary.ratio, buckets: summary.bucketsDone, seconds };
  log(
    `${name}: ${result.mbPerSec.toFixed(1)} MB/s of NDJSON (${(summary.bytesIn / 1e6).toFixed(1)} MB → ${(summary.bytesOut / 1e6).toFixed(1)} MB LZ4, ` +
      `ratio ${summary.ratio?.toFixed(2) ?? '–'}), ${summary.bucketsDone} buckets in ${seconds.toFixed(2)} s, ${summary.bucketsFailed} failed`,
  );
  return result;
}

export interface QueryPhaseResult {
  coldMs: number;
  warmP50Ms: number;
  warmP95Ms: number;
  baselineP50Ms: number;
}

/** The last 30 days of one meter (archived days plus today's live bucket): cold, warm, and without the cache. */
export async function queryPhase({ redis, keys, log }: EnergyBenchContext, s3: Config['archive']['s3'], deviceId: string, toSeconds: number, runs: number): Promise<QueryPhaseResult> {
  const client = createS3Client(s3);
  const target = { client, bucket: s3.bucket!, keyPrefix: s3.keyPrefix };
  const from = toSeconds - 30 * DAY;
  const interval = 3600;
  try {
    const cached = new EnergyQuery({ redis, keys, bucketSeconds: DAY, s3: target });
    const coldStarted = performance.now();
    const cold = await cached.series(deviceId, from, toSeconds, interval);
    const coldMs = performance.now() - coldStarted;
    const warm = await timeRuns(runs, () => cached.series(deviceId, from, toSeconds, interval));
    const uncached = new EnergyQuery({ redis, keys, bucketSeconds: DAY, s3: target, cacheBytes: 0 });
    const baseline = await timeRuns(runs, () => uncached.series(deviceId, from, toSeconds, interval));
    const failed = cold.buckets.filter((bucket) => bucket.error);
    if (failed.length > 0) throw new Error(`query phase: ${failed.length} buckets failed: ${failed[0]!.error}`);
    const sources = countBy(cold.buckets.map((bucket) => bucket.source));
    const result = { coldMs, warmP50Ms: percentile(warm, 0.5), warmP95Ms: percentile(warm, 0.95), baselineP50Ms: percentile(baseline, 0.5) };
    log(
      `query, 30 days of ${deviceId} (${cold.readings} readings; buckets ${JSON.stringify(sources)}): cold ${coldMs.toFixed(1)} ms, ` +
        `warm p50 ${result.warmP50Ms.toFixed(1)} ms p95 ${result.warmP95Ms.toFixed(1)} ms; baseline (download and decompress every object each time) p50 ${result.baselineP50Ms.toFixed(1)} ms`,
    );
    return result;
  } finally {
    client.destroy();
  }
}

async function timeRuns(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
