import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { startBroker, type Broker } from '../broker/broker.js';
import { configSchema } from '../config/schema.js';
import type { WriteStrategy } from '../ingest/ingest.js';
import { IngestThread } from '../ingest/ingest-thread.js';
import { CLIMATES } from '../model/climate.js';
import { createKeySchema, type KeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { runPublisher } from './publisher-runner.js';
import { runUiLoad } from './ui-load.js';

interface PhaseResult {
  name: string;
  writtenPerSec: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  published: number;
  written: number;
  /** CPU seconds per wall second over the measured window: 1.0 is one full core. */
  cpu: { ingestProcess: number; redis: number; publishers: number };
}

interface BenchSettings {
  publishers: number;
  warmupMs: number;
  measureMs: number;
  qos: 0 | 1;
  latencyRate: number;
  client: 'raw' | 'mqtt.js';
}

const log = (line: string) => process.stdout.write(`${line}\n`);
/** The worker reports figures every 250 ms; waiting one interval makes a reading current. */
const SNAPSHOT_INTERVAL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `npm run bench`: the real path (publisher processes → aedes → ingest → redis-server) against the
 * source document's per-reading MULTI, in the same run on the same Redis, plus latency at a fixed rate.
 */
export async function runBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
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
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: true });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench' });
  const broker = await startBroker({ host: '127.0.0.1', port: 0 });
  const keys = createKeySchema({ keyPrefix: '' });
  log(`bench: ${settings.publishers} publisher processes (${settings.client} client), QoS ${settings.qos}, ${settings.measureMs / 1000} s measured after ${settings.warmupMs / 1000} s warm-up; redis ${embedded.binary} (AOF everysec)`);
  try {
    const context = { settings, broker, redis, redisUrl: embedded.url, keys };
    const ingest = await phase(context, 'ingest (batched script)', 'batched', 'max');
    const baseline = await phase(context, 'baseline (MULTI per reading, awaited)', 'per-reading', 'max');
    const atRate = await phase(context, `ingest at ${settings.latencyRate} readings/s`, 'batched', settings.latencyRate);
    const figures = {
      ingest_readings_per_s: Math.round(ingest.writtenPerSec),
      baseline_readings_per_s: Math.round(baseline.writtenPerSec),
      ratio: round(ingest.writtenPerSec / baseline.writtenPerSec, 2),
      latency_p50_ms: atRate.latencyP50Ms === null ? null : round(atRate.latencyP50Ms, 2),
      latency_p99_ms: atRate.latencyP99Ms === null ? null : round(atRate.latencyP99Ms, 2),
      latency_at_rate: settings.latencyRate,
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
    log(JSON.stringify(figures));
  } finally {
    await broker.close();
    redis.disconnect();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface PhaseContext {
  settings: BenchSettings;
  broker: Broker;
  redis: Redis;
  redisUrl: string;
  keys: KeySchema;
}

/** One measured run: fresh Redis contents, an ingest worker with the given strategy, publishers at a rate. */
async function phase(
  { settings, broker, redis, redisUrl, keys }: PhaseContext,
  name: string,
  strategy: WriteStrategy,
  totalRate: number | 'max',
): Promise<PhaseResult> {
  await redis.flushall();
  const ingest = await IngestThread.start({
    source: broker,
    redisUrl,
    keyPrefix: '',
    settings: configSchema.parse({}).ingest,
    strategy,
    log: (line) => log(`  ingest: ${line}`),
  });
  const durationMs = settings.warmupMs + settings.measureMs + 500;
  const rate = totalRate === 'max' ? 'max' : totalRate / settings.publishers;
  const publishers = Array.from({ length: settings.publishers }, () =>
    runPublisher({ brokerUrl: broker.url, rate, durationMs, qos: settings.qos, devices: 5000, client: settings.client }),
  );
  await sleep(settings.warmupMs);
  ingest.resetLatency();
  await sleep(SNAPSHOT_INTERVAL_MS);
  const start = { written: ingest.snapshot().written, at: performance.now(), cpu: process.cpuUsage(), redisCpu: await redisCpuSeconds(redis) };
  await sleep(settings.measureMs);
  const end = ingest.snapshot();
  const seconds = (performance.now() - start.at) / 1000;
  const cpu = process.cpuUsage(start.cpu);
  const redisCpu = (await redisCpuSeconds(redis)) - start.redisCpu;
  const results = await Promise.all(publishers);
  const published = results.reduce((sum, result) => sum + result.published, 0);
  const publisherCores = results.reduce((sum, result) => sum + result.cpuSeconds, 0) / (durationMs / 1000);
  await waitUntil(() => ingest.snapshot().written >= published, 20_000);
  await ingest.stop();
  const final = ingest.snapshot();
  const counted = await climateTotal(redis, keys);
  const result: PhaseResult = {
    name,
    writtenPerSec: (end.written - start.written) / seconds,
    latencyP50Ms: end.latency.p50,
    latencyP99Ms: end.latency.p99,
    published,
    written: final.written,
    cpu: {
      ingestProcess: round((cpu.user + cpu.system) / 1e6 / seconds, 2),
      redis: round(redisCpu / seconds, 2),
      publishers: round(publisherCores, 2),
    },
  };
  log(
    `${name}: ${Math.round(result.writtenPerSec).toLocaleString('en')} readings/s written; latency p50 ${fmt(end.latency.p50)} ms, p99 ${fmt(end.latency.p99)} ms; ` +
      `CPU cores: ingest process ${result.cpu.ingestProcess}, redis ${result.cpu.redis}, publishers ${result.cpu.publishers}; ` +
      `mean batch ${final.batches ? Math.round(final.written / final.batches) : '–'}; published ${published}, written ${final.written}, climate counters ${counted}`,
  );
  if (counted !== final.written) throw new Error(`climate counters (${counted}) do not add up to written readings (${final.written})`);
  return result;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const system = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + system;
}

async function climateTotal(redis: Redis, keys: KeySchema): Promise<number> {
  const values = await redis.mget(...CLIMATES.map((climate) => keys.climateCounter(climate)));
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await sleep(20);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const fmt = (value: number | null) => (value === null ? '–' : value.toFixed(2));
