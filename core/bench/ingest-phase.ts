import type { Redis } from 'ioredis';
import type { Broker } from '../broker/broker.js';
import { configSchema } from '../config/schema.js';
import type { WriteStrategy } from '../ingest/ingest.js';
import { IngestThread, type IngestThreadOptions } from '../ingest/ingest-thread.js';
import { CLIMATES } from '../model/climate.js';
import type { KeySchema } from '../model/keys.js';
import { mainThreadCpuSeconds } from './proc-stats.js';
import { startPublisher } from './publisher-runner.js';
import type { PublisherResult } from './publisher-process.js';
import { redisCpuSeconds } from './redis-cpu.js';

export interface PhaseResult {
  name: string;
  writtenPerSec: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** publish→PUBACK as the publishers saw it, the worst of their processes; null at QoS 0 or with mqtt.js publishers. */
  pubackP50Ms: number | null;
  pubackP99Ms: number | null;
  published: number;
  written: number;
  /**
   * CPU seconds per wall second over the measured window: 1.0 is one full core. The bench process
   * holds the broker and the ingest worker; its main thread is the broker's (null off Linux).
   */
  cpu: { ingestProcess: number; brokerThread: number | null; redis: number; publishers: number };
}

export interface BenchSettings {
  publishers: number;
  warmupMs: number;
  measureMs: number;
  qos: 0 | 1;
  latencyRate: number;
  client: 'raw' | 'mqtt.js';
}

export interface PhaseContext {
  settings: BenchSettings;
  broker: Broker;
  redis: Redis;
  redisUrl: string;
  keys: KeySchema;
  log: (line: string) => void;
}

/** Which of the broker's listeners the publisher processes use, and over how many connections each. */
export interface PublisherTarget {
  url: string;
  /** The CA an mqtts:// listener's certificate is checked against. */
  ca?: string;
  connectionsPerProcess: number;
}

/** The product's ingest with its default settings (meters on any free UDP port), logging under the bench's lines. */
export function startBenchIngest(options: Pick<IngestThreadOptions, 'source' | 'target' | 'listenUdp' | 'strategy' | 'acknowledge' | 'log'>): Promise<IngestThread> {
  const config = configSchema.parse({ energy: { udpPort: 0 } });
  return IngestThread.start({ ...options, model: config.model, settings: config.ingest, energy: config.energy, log: (line) => options.log(`  ingest: ${line}`) });
}

/** What a phase may do besides ingesting: keep the data already in Redis, and start something once warm. */
export interface PhaseHooks {
  /** Keep Redis as it is (only the climate counters start again, so they still add up to what this phase wrote). */
  keepData?: boolean;
  /** Called when the warm-up ends, just before measuring. */
  measuring?: () => Promise<void> | void;
}

/** The worker reports figures every 250 ms; waiting one interval makes a reading current. */
const SNAPSHOT_INTERVAL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One measured run: fresh Redis contents, an ingest worker with the given strategy, publishers at
 * a rate; by default each publisher process over one TCP connection. The warm-up starts once every
 * publisher is connected.
 */
export async function ingestPhase(
  { settings, broker, redis, redisUrl, keys, log }: PhaseContext,
  name: string,
  strategy: WriteStrategy,
  totalRate: number | 'max',
  target: PublisherTarget = { url: broker.url, connectionsPerProcess: 1 },
  acknowledge: 'after-write' | 'on-receipt' = 'after-write',
  hooks: PhaseHooks = {},
): Promise<PhaseResult> {
  if (hooks.keepData) await redis.del(...CLIMATES.map((climate) => keys.climateCounter(climate)));
  else await redis.flushall();
  const ingest = await startBenchIngest({ source: broker, target: { url: redisUrl }, listenUdp: false, strategy, acknowledge, log });
  const durationMs = settings.warmupMs + settings.measureMs + 500;
  const rate = totalRate === 'max' ? 'max' : totalRate / settings.publishers;
  const publishers = Array.from({ length: settings.publishers }, () =>
    startPublisher({
      brokerUrl: target.url,
      ca: target.ca,
      connections: target.connectionsPerProcess,
      rate,
      durationMs,
      qos: settings.qos,
      devices: 5000,
      client: settings.client,
      measureAfterMs: settings.warmupMs,
    }),
  );
  await Promise.all(publishers.map((publisher) => publisher.ready));
  for (const publisher of publishers) publisher.go();
  await sleep(settings.warmupMs);
  await hooks.measuring?.();
  ingest.resetLatency();
  await sleep(SNAPSHOT_INTERVAL_MS);
  const start = {
    written: ingest.snapshot().written,
    at: performance.now(),
    cpu: process.cpuUsage(),
    brokerThreadCpu: mainThreadCpuSeconds(),
    redisCpu: await redisCpuSeconds(redis),
  };
  await sleep(settings.measureMs);
  const end = ingest.snapshot();
  const seconds = (performance.now() - start.at) / 1000;
  const cpu = process.cpuUsage(start.cpu);
  const brokerThreadCpu = mainThreadCpuSeconds();
  const redisCpu = (await redisCpuSeconds(redis)) - start.redisCpu;
  const results = await Promise.all(publishers.map((publisher) => publisher.result));
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
    ...worstPubackLatency(results),
    published,
    written: final.written,
    cpu: {
      ingestProcess: round((cpu.user + cpu.system) / 1e6 / seconds, 2),
      brokerThread: brokerThreadCpu === null || start.brokerThreadCpu === null ? null : round((brokerThreadCpu - start.brokerThreadCpu) / seconds, 2),
      redis: round(redisCpu / seconds, 2),
      publishers: round(publisherCores, 2),
    },
  };
  log(
    `${name}: ${Math.round(result.writtenPerSec).toLocaleString('en')} readings/s written; latency p50 ${fmt(end.latency.p50)} ms, p99 ${fmt(end.latency.p99)} ms; ` +
      `publish→PUBACK p50 ${fmt(result.pubackP50Ms)} ms, p99 ${fmt(result.pubackP99Ms)} ms; ` +
      `CPU cores: ingest process ${result.cpu.ingestProcess} (broker thread ${result.cpu.brokerThread ?? '–'}), redis ${result.cpu.redis}, publishers ${result.cpu.publishers}; ` +
      `CPU per reading: ingest process ${perReadingUs(result.cpu.ingestProcess, result.writtenPerSec)} µs (broker thread ${perReadingUs(result.cpu.brokerThread, result.writtenPerSec)} µs), redis ${perReadingUs(result.cpu.redis, result.writtenPerSec)} µs; ` +
      `mean batch ${final.batches ? Math.round(final.written / final.batches) : '–'}; published ${published}, written ${final.written}, climate counters ${counted}`,
  );
  if (counted !== final.written) throw new Error(`climate counters (${counted}) do not add up to written readings (${final.written})`);
  return result;
}

function worstPubackLatency(results: readonly PublisherResult[]): Pick<PhaseResult, 'pubackP50Ms' | 'pubackP99Ms'> {
  const measured = results.flatMap((result) => (result.pubackLatencyMs ? [result.pubackLatencyMs] : []));
  if (measured.length === 0) return { pubackP50Ms: null, pubackP99Ms: null };
  return { pubackP50Ms: Math.max(...measured.map((m) => m.p50)), pubackP99Ms: Math.max(...measured.map((m) => m.p99)) };
}

/** Cores used per reading written per second, as µs of CPU per reading. */
function perReadingUs(cores: number | null, readingsPerSec: number): string {
  return cores === null || readingsPerSec === 0 ? '–' : ((cores / readingsPerSec) * 1e6).toFixed(1);
}

async function climateTotal(redis: Redis, keys: KeySchema): Promise<number> {
  const values = await redis.mget(...CLIMATES.map((climate) => keys.climateCounter(climate)));
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await sleep(20);
}

export const round = (value: number, digits: number) => Number(value.toFixed(digits));
const fmt = (value: number | null) => (value === null ? '–' : value.toFixed(2));
