import type { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBroker } from '../broker/broker.js';
import { configSchema } from '../config/schema.js';
import { createKeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { runBrokerBench } from './broker-bench.js';
import { ingestPhase, round, type BenchSettings, type PhaseContext } from './ingest-phase.js';
import { parseSoakSettings, runSoak } from './soak-bench.js';
import { runUiLoad } from './ui-load.js';
import { runApiBench } from './api-bench.js';
import { replayBench } from './replay-bench.js';
import { exportBench } from './export-bench.js';
import { runIndexBench } from './index-bench.js';
import { runKeyBrowserBench } from './key-browser-bench.js';
import { runScaleBench } from './scale-bench.js';
import { archivePhase, fillEnergyBuckets, meterIngestPhase, queryPhase, startBenchS3, type EnergyBenchContext } from './energy-bench.js';
import { meterId, meterReading } from '../emulator/meter-generator.js';
import { bucketStartOf } from '../model/energy-bucket.js';

const DAY = 86_400;

const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `npm run bench`: the real path (publisher processes → aedes → ingest → redis-server) against the
 * source document's per-reading MULTI, in the same run on the same Redis, plus latency at a fixed
 * rate; the broker's idle connections and TLS against TCP; the energy path; the key browser.
 */
export async function runBench(argv: string[]): Promise<void> {
  if (argv[0] === 'api') return apiBench(argv.slice(1));
  if (argv[0] === 'replay') return replayBench(argv.slice(1));
  if (argv[0] === 'export') return exportBench(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      publishers: { type: 'string', default: '2' },
      seconds: { type: 'string', default: '10' },
      qos: { type: 'string', default: '1' },
      'latency-rate': { type: 'string', default: '10000' },
      client: { type: 'string', default: 'raw' },
      ui: { type: 'boolean', default: false },
      'ui-minutes': { type: 'string', default: '5' },
      'ui-rate': { type: 'string', default: '50000' },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
      suite: { type: 'string', default: 'all' },
      'meter-rate': { type: 'string', default: '30000' },
      'meter-senders': { type: 'string', default: '2' },
      'meter-batch': { type: 'string', default: '12' },
      'archive-meters': { type: 'string', default: '20' },
      'query-runs': { type: 'string', default: '30' },
      keys: { type: 'string', default: '1000000' },
      'key-runs': { type: 'string', default: '30' },
      'broker-connections': { type: 'string', default: '5000' },
      'broker-publishers': { type: 'string', default: '100' },
      minutes: { type: 'string', default: '10' },
      'soak-rate': { type: 'string', default: '10000' },
      'meter-share': { type: 'string', default: '0.2' },
      'index-hashes': { type: 'string', default: '1000000' },
      'index-lookup-runs': { type: 'string', default: '30' },
      'index-scan-runs': { type: 'string', default: '3' },
      'index-rate': { type: 'string' },
      'index-scan-count': { type: 'string' },
      'receive-maximum': { type: 'string', default: String(configSchema.parse({}).mqttSource.receiveMaximum) },
    },
  });
  if (values.ui) {
    const figures = await runUiLoad({
      minutes: Number(values['ui-minutes']),
      rate: Number(values['ui-rate']),
      publishers: Number(values.publishers),
      chromium: values.chromium,
    });
    log(JSON.stringify(figures));
    return;
  }
  const settings: BenchSettings = {
    publishers: Number(values.publishers),
    warmupMs: 3000,
    measureMs: Number(values.seconds) * 1000,
    qos: values.qos === '0' ? 0 : 1,
    latencyRate: Number(values['latency-rate']),
    client: values.client === 'mqtt.js' ? 'mqtt.js' : 'raw',
  };
  // `npm run bench -- soak` names the suite as a word; `--suite soak` says the same.
  const suite = positionals[0] ?? values.suite;
  if (positionals.length > 1) throw new Error(`bench takes one suite, not ${positionals.join(' ')}`);
  if (!SUITES.includes(suite)) throw new Error(`the bench suite must be one of ${SUITES.join(', ')}, not ${suite}`);
  const keyBrowser = { keys: Number(values.keys), runs: Number(values['key-runs']), chromium: values.chromium, log };
  // The key browser brings its own Redis (filled, not persisted) and stack; nothing below is needed for it alone.
  if (suite === 'keys') {
    log(JSON.stringify(await runKeyBrowserBench(keyBrowser)));
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: true });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench' });
  const broker = await startBroker({ host: '127.0.0.1', port: 0 });
  const keys = createKeySchema({ keyPrefix: '' });
  try {
    if (suite === 'scale') {
      log(`bench: redis ${embedded.binary} (AOF everysec); ${settings.measureMs / 1000} s measured after ${settings.warmupMs / 1000} s warm-up per phase`);
      log(JSON.stringify(await runScaleBench({ settings, broker, redis, redisUrl: embedded.url, keys, log }, { receiveMaximum: Number(values['receive-maximum']) })));
      return;
    }
    if (suite === 'soak') {
      log(`bench: redis ${embedded.binary} (AOF everysec)`);
      const soak = await runSoak({ broker, redis, redisUrl: embedded.url, log }, parseSoakSettings(values));
      log(JSON.stringify(soak));
      if (soak.flat === false) process.exitCode = 1;
      return;
    }
    log(`bench: redis ${embedded.binary} (AOF everysec); ${settings.measureMs / 1000} s measured after ${settings.warmupMs / 1000} s warm-up per ingest phase`);
    const figures = {
      ...((suite === 'all' || suite === 'thermostats') && (await thermostatSuite({ settings, broker, redis, redisUrl: embedded.url, keys, log }))),
      ...((suite === 'all' || suite === 'broker') &&
        (await runBrokerBench(
          { bench: settings, redis, redisUrl: embedded.url, keys, certificatesDir: join(dataDir, 'certificates'), log },
          { connections: Number(values['broker-connections']), publishingClients: Number(values['broker-publishers']) },
        ))),
      ...((suite === 'all' || suite === 'energy') &&
        (await energySuite({ redis, redisUrl: embedded.url, keys, log }, settings, {
          offeredRate: Number(values['meter-rate']),
          senders: Number(values['meter-senders']),
          readingsPerDatagram: Number(values['meter-batch']),
          archiveMeters: Number(values['archive-meters']),
          archiveConcurrency: configSchema.parse({}).archive.concurrency,
          queryRuns: Number(values['query-runs']),
        }))),
      ...((suite === 'all' || suite === 'index') &&
        (await runIndexBench(
          { settings, broker, redis, redisUrl: embedded.url, keys, log },
          {
            hashes: Number(values['index-hashes']),
            lookupRuns: Number(values['index-lookup-runs']),
            scanRuns: Number(values['index-scan-runs']),
            ...(values['index-rate'] !== undefined && { buildRate: Number(values['index-rate']) }),
            ...(values['index-scan-count'] !== undefined && { scanCount: Number(values['index-scan-count']) }),
          },
        ))),
      ...(suite === 'all' && (await runKeyBrowserBench(keyBrowser))),
    };
    log(JSON.stringify(figures));
  } finally {
    await broker.close();
    redis.disconnect();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `soak` and `scale` run alone (soak takes minutes, scale needs mosquitto); `all` is every other suite. */
const SUITES = ['all', 'thermostats', 'broker', 'energy', 'keys', 'index', 'soak', 'scale'];

/** `npm run bench -- api [--seconds n] [--rounds n] [--connections n] [--rate n]`: the client API with and without API management. */
async function apiBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '20' }, rate: { type: 'string', default: '1000' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number of at least 1, not ${values.rounds}`);
  log(JSON.stringify(await runApiBench({ seconds: Number(values.seconds), rounds, connections: Number(values.connections), fixedRate: Number(values.rate), log })));
}

async function thermostatSuite(context: PhaseContext): Promise<Record<string, unknown>> {
  const { settings } = context;
  log(`thermostats: ${settings.publishers} publisher processes (${settings.client} client), QoS ${settings.qos}`);
  const ingest = await ingestPhase(context, 'ingest (batched script, PUBACK after the write)', 'batched', 'max');
  const earlyAck = await ingestPhase(context, 'ingest acknowledging on receipt (before PUBACK after the write)', 'batched', 'max', undefined, 'on-receipt');
  const baseline = await ingestPhase(context, 'baseline (MULTI per reading, awaited)', 'per-reading', 'max');
  const atRate = await ingestPhase(context, `ingest at ${settings.latencyRate} readings/s`, 'batched', settings.latencyRate);
  const fsyncAlways = await withAppendFsync(context.redis, 'always', () => ingestPhase(context, 'ingest, embedded Redis with --redis-fsync always', 'batched', 'max'));
  return {
    ingest_readings_per_s: Math.round(ingest.writtenPerSec),
    ack_on_receipt_readings_per_s: Math.round(earlyAck.writtenPerSec),
    baseline_readings_per_s: Math.round(baseline.writtenPerSec),
    ratio: round(ingest.writtenPerSec / baseline.writtenPerSec, 2),
    latency_p50_ms: atRate.latencyP50Ms === null ? null : round(atRate.latencyP50Ms, 2),
    latency_p99_ms: atRate.latencyP99Ms === null ? null : round(atRate.latencyP99Ms, 2),
    latency_at_rate: settings.latencyRate,
    puback_p50_ms_at_rate: atRate.pubackP50Ms === null ? null : round(atRate.pubackP50Ms, 2),
    puback_p99_ms_at_rate: atRate.pubackP99Ms === null ? null : round(atRate.pubackP99Ms, 2),
    fsync_always_readings_per_s: Math.round(fsyncAlways.writtenPerSec),
    fsync_always_puback_p99_ms: fsyncAlways.pubackP99Ms === null ? null : round(fsyncAlways.pubackP99Ms, 2),
    qos: settings.qos,
    publishers: settings.publishers,
    publisher_client: settings.client,
    cpu_cores_ingest_process: ingest.cpu.ingestProcess,
    cpu_cores_redis: ingest.cpu.redis,
    cpu_cores_publishers: ingest.cpu.publishers,
    cpu_cores_baseline_process: baseline.cpu.ingestProcess,
    cpu_cores_baseline_redis: baseline.cpu.redis,
    ingest_latency_p99_at_max_ms: ingest.latencyP99Ms === null ? null : round(ingest.latencyP99Ms, 1),
  };
}

/** Runs `phase` with the bench's Redis syncing its AOF as `--redis-fsync` would set it, then sets it back. */
async function withAppendFsync<T>(redis: Redis, fsync: 'always', phase: () => Promise<T>): Promise<T> {
  const [, before] = (await redis.config('GET', 'appendfsync')) as [string, string];
  await redis.config('SET', 'appendfsync', fsync);
  try {
    return await phase();
  } finally {
    await redis.config('SET', 'appendfsync', before);
  }
}

interface EnergySuiteSettings {
  offeredRate: number;
  senders: number;
  /** Readings per datagram of the second ingest measurement (the first sends one per datagram). */
  readingsPerDatagram: number;
  archiveMeters: number;
  archiveConcurrency: number;
  queryRuns: number;
}

/**
 * The energy path: UDP meter ingest against one MULTI per reading, an archive pass into s3rver
 * against one bucket at a time, and a 30-day query with its cache against downloading every object.
 */
async function energySuite(context: EnergyBenchContext, bench: BenchSettings, energy: EnergySuiteSettings): Promise<Record<string, unknown>> {
  const ingestSettings = { offeredRate: energy.offeredRate, senders: energy.senders, meters: 100_000, warmupMs: bench.warmupMs, measureMs: bench.measureMs };
  const single = { ...ingestSettings, readingsPerDatagram: 1 };
  const batched = { ...ingestSettings, readingsPerDatagram: energy.readingsPerDatagram };
  log(`meters: ${energy.senders} sender processes, ${energy.offeredRate.toLocaleString('en')} readings/s offered over UDP, 100,000 meter ids`);
  const ingest = await meterIngestPhase(context, 'meter ingest, 1 reading per datagram', 'batched', single);
  const baseline = await meterIngestPhase(context, 'meter baseline (MULTI per reading, awaited), 1 reading per datagram', 'per-reading', single);
  const ingestMulti = await meterIngestPhase(context, `meter ingest, ${energy.readingsPerDatagram} readings per datagram`, 'batched', batched);
  const baselineMulti = await meterIngestPhase(context, `meter baseline, ${energy.readingsPerDatagram} readings per datagram`, 'per-reading', batched);

  const s3 = await startBenchS3();
  try {
    const today = bucketStartOf(Math.floor(Date.now() / 1000), DAY);
    const fill = async () => {
      await context.redis.flushall();
      return fillEnergyBuckets(context.redis, context.keys, energy.archiveMeters, 30, today - 30 * DAY);
    };
    // Warm-up, as the ingest phases have theirs: the first pass also JIT-compiles the SDK, lz4js and
    // s3rver. A pass as big as the measured one: the CPU per bucket (all processes together) was
    // measured to keep falling well past a small one, 13.7 ms after 90 buckets, 11.7 after 690.
    await fill();
    await archivePhase(context, 'archive warm-up (not counted)', s3.settings('bench-archive-warmup'), energy.archiveConcurrency);
    const filled = await fill();
    log(`archive: ${energy.archiveMeters} meters × 30 days = ${filled.readings.toLocaleString('en')} readings, ${(filled.bytes / 1e6).toFixed(1)} MB of NDJSON, all stale`);
    const archived = await archivePhase(context, `archive (${energy.archiveConcurrency} buckets at a time)`, s3.settings('bench-archive'), energy.archiveConcurrency);
    await fill();
    const archiveBaseline = await archivePhase(context, 'archive baseline (one bucket at a time)', s3.settings('bench-archive-baseline'), 1);

    const deviceId = meterId(1);
    const now = Math.floor(Date.now() / 1000);
    await fillToday(context, deviceId, today, now);
    const query = await queryPhase(context, s3.settings('bench-archive-baseline'), deviceId, now, energy.queryRuns);
    return {
      meter_offered_per_s: energy.offeredRate,
      meter_ingest_readings_per_s: Math.round(ingest.writtenPerSec),
      meter_baseline_readings_per_s: Math.round(baseline.writtenPerSec),
      meter_ratio: round(ingest.writtenPerSec / baseline.writtenPerSec, 2),
      meter_not_written: ingest.lost,
      meter_latency_p99_ms: ingest.latencyP99Ms === null ? null : round(ingest.latencyP99Ms, 1),
      cpu_cores_meter_ingest_process: ingest.cpuIngestProcess,
      cpu_cores_meter_redis: ingest.cpuRedis,
      meter_readings_per_datagram: energy.readingsPerDatagram,
      meter_batched_datagram_ingest_readings_per_s: Math.round(ingestMulti.writtenPerSec),
      meter_batched_datagram_baseline_readings_per_s: Math.round(baselineMulti.writtenPerSec),
      meter_batched_datagram_ratio: round(ingestMulti.writtenPerSec / baselineMulti.writtenPerSec, 2),
      meter_batched_datagram_not_written: ingestMulti.lost,
      archive_mb_per_s: round(archived.mbPerSec, 1),
      archive_baseline_mb_per_s: round(archiveBaseline.mbPerSec, 1),
      archive_ratio: round(archived.mbPerSec / archiveBaseline.mbPerSec, 2),
      archive_compression_ratio: archived.ratio === null ? null : round(archived.ratio, 2),
      archive_buckets: archived.buckets,
      query_30d_cold_ms: round(query.coldMs, 1),
      query_30d_warm_p50_ms: round(query.warmP50Ms, 1),
      query_30d_warm_p95_ms: round(query.warmP95Ms, 1),
      query_30d_baseline_p50_ms: round(query.baselineP50Ms, 1),
    };
  } finally {
    await s3.stop();
  }
}

/** Today's readings so far for one meter, live in Redis, so the query spans S3 and Redis. */
async function fillToday({ redis, keys }: EnergyBenchContext, deviceId: string, today: number, now: number): Promise<void> {
  const lines: string[] = [];
  for (let timestamp = today; timestamp + 300 <= now; timestamp += 300) lines.push(JSON.stringify(meterReading(deviceId, timestamp, 300)));
  if (lines.length === 0) return;
  const list = keys.energyBucket(deviceId, today);
  await redis.multi().rpush(list, ...lines).sadd(keys.energyPending, list).exec();
}
