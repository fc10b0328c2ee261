import type { Redis } from 'ioredis';
import type { QueryRun } from '../api/indexes.js';
import { configSchema } from '../config/schema.js';
import { classifyClimate } from '../model/climate.js';
import type { IndexDefinitionInput } from '../domain/index-definition.js';
import { IndexBuilds } from '../query/index-builds.js';
import { askIndex, scanAndFilter, type IndexQuestion } from '../query/index-lookup.js';
import { ingestPhase, round, type PhaseContext } from './ingest-phase.js';

export interface IndexBenchSettings {
  hashes: number;
  /** The capped build's keys/s and SCAN COUNT; the config's defaults unless given. */
  buildRate?: number;
  scanCount?: number;
  /** Runs of each index lookup; the scans, each a full pass, run `scanRuns` times. */
  lookupRuns: number;
  scanRuns: number;
}

const FILL_PIPELINE = 10_000;
const UNCAPPED = 10_000_000;

/**
 * `npm run bench -- --suite index`: the source paper's unforeseen index on a million thermostat
 * hashes. Ingest's p99 at the latency rate with no index, then while a capped build runs (its live
 * maintenance included); the uncapped backfill's keys/s; and the same question by SCAN + filter and
 * by the index (the Indexes page's comparison), p50 of each.
 */
export async function runIndexBench(context: PhaseContext, bench: IndexBenchSettings): Promise<Record<string, unknown>> {
  const { redis, keys, log, settings } = context;
  await redis.flushall();
  const fillStarted = performance.now();
  await fillThermostatHashes(redis, bench.hashes);
  log(`index: ${bench.hashes.toLocaleString('en')} thermostat hashes written in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
  await aofRewriteDone(redis, log);
  const defaults = configSchema.parse({}).index;
  const buildRate = bench.buildRate ?? defaults.buildRate;
  const scanCount = bench.scanCount ?? defaults.scanCount;
  const builds = (rate: number) => new IndexBuilds({ redis, keys, settings: { rate, scanCount }, buildRefusal: null, log: () => undefined });

  const without = await ingestPhase(context, `ingest at ${settings.latencyRate} readings/s, no index`, 'batched', settings.latencyRate, undefined, undefined, { keepData: true });
  const capped = builds(buildRate);
  const during = await ingestPhase(context, `ingest at ${settings.latencyRate} readings/s while an index builds at ≤ ${buildRate.toLocaleString('en')} keys/s, ${scanCount} keys a step`, 'batched', settings.latencyRate, undefined, undefined, {
    keepData: true,
    measuring: async () => {
      await capped.define({ name: 'bench-climate', match: '*', field: 'climate', kind: 'set' });
    },
  });
  const cappedStatus = await capped.status('bench-climate');
  await capped.stop();
  const cappedSeconds = (cappedStatus.updatedAt - cappedStatus.startedAt) / 1000;
  log(`index: the capped build, ${cappedStatus.state}, had scanned ${cappedStatus.scanned.toLocaleString('en')} keys in ${cappedSeconds.toFixed(1)} s`);
  await capped.drop('bench-climate');

  const uncapped = builds(UNCAPPED);
  const climate = await timedBuild(uncapped, { name: 'climate', match: '*', field: 'climate', kind: 'set' }, log);
  const network = await timedBuild(uncapped, { name: 'network', match: '*', field: 'deviceIP', kind: 'set', transform: 'ipv4-24' }, log);

  const hot = await lookups(redis, context, { name: 'climate', match: '*', field: 'climate', kind: 'set', transform: 'none' }, { value: 'hot' }, bench);
  // A network of hashes the ingest phases' publishers (devices 1..5000) did not overwrite.
  const subnet = await lookups(redis, context, { name: 'network', match: '*', field: 'deviceIP', kind: 'set', transform: 'ipv4-24' }, { value: '10.100.7.0/24' }, bench);
  return {
    index_hashes: bench.hashes,
    index_backfill_keys_per_s: climate.keysPerSec,
    index_backfill_network_keys_per_s: network.keysPerSec,
    index_build_rate_cap: buildRate,
    index_build_scan_count: scanCount,
    index_capped_build_keys_per_s: cappedSeconds > 0 ? Math.round(cappedStatus.scanned / cappedSeconds) : null,
    index_ingest_rate: settings.latencyRate,
    index_ingest_p99_ms_without_build: without.latencyP99Ms === null ? null : round(without.latencyP99Ms, 2),
    index_ingest_p99_ms_during_build: during.latencyP99Ms === null ? null : round(during.latencyP99Ms, 2),
    index_puback_p99_ms_without_build: without.pubackP99Ms === null ? null : round(without.pubackP99Ms, 2),
    index_puback_p99_ms_during_build: during.pubackP99Ms === null ? null : round(during.pubackP99Ms, 2),
    index_lookup_subnet_p50_ms: subnet.index,
    index_scan_subnet_p50_ms: subnet.scan,
    index_subnet_speedup: round(subnet.scan / subnet.index, 0),
    index_subnet_results: subnet.results,
    index_lookup_hot_p50_ms: hot.index,
    index_scan_hot_p50_ms: hot.scan,
    index_hot_speedup: round(hot.scan / hot.index, 0),
    index_hot_results: hot.results,
  };
}

/** Hashes 1..n as the pipeline writes them, with deviceIPs spread over 65,536 /24 networks; straight HSETs, so the climate counters stay the ingest phases' own. */
async function fillThermostatHashes(redis: Redis, count: number): Promise<void> {
  for (let first = 1; first <= count; first += FILL_PIPELINE) {
    const pipeline = redis.pipeline();
    for (let device = first; device < Math.min(count + 1, first + FILL_PIPELINE); device += 1) {
      const temperature = 50 + (device * 7919) % 50;
      const ip = `10.${(device >> 8) & 255}.${device & 255}.${(device * 31) & 255}`;
      pipeline.hset(String(device), 'temperature', temperature, 'deviceIP', ip, 'humidity', 40, 'climate', classifyClimate(temperature), 'timestamp', 1, 'requestId', `fill-${device}`);
    }
    await pipeline.exec();
  }
}

/**
 * Writing a million hashes makes Redis rewrite its append-only file (auto-aof-rewrite); the fork and
 * the child's CPU would land in whichever phase runs then, so the phases start once it is done.
 */
async function aofRewriteDone(redis: Redis, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  for (;;) {
    const info = await redis.info('persistence');
    if (!/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(info)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const waited = performance.now() - started;
  if (waited > 200) log(`index: waited ${(waited / 1000).toFixed(1)} s for the AOF rewrite the fill started`);
}

async function timedBuild(builds: IndexBuilds, definition: IndexDefinitionInput, log: (line: string) => void): Promise<{ keysPerSec: number }> {
  const started = performance.now();
  await builds.define(definition);
  await builds.settled(definition.name);
  const seconds = (performance.now() - started) / 1000;
  const { scanned, entries } = await builds.status(definition.name);
  const keysPerSec = Math.round(scanned / seconds);
  log(`index: backfill of ${definition.name} (uncapped): ${scanned.toLocaleString('en')} keys in ${seconds.toFixed(1)} s = ${keysPerSec.toLocaleString('en')} keys/s, ${entries.toLocaleString('en')} entries`);
  return { keysPerSec };
}

async function lookups(
  redis: Redis,
  { keys, log }: PhaseContext,
  request: { name: string; match: string; field: string; kind: 'set' | 'zset'; transform: 'none' | 'ipv4-24' },
  question: IndexQuestion,
  bench: IndexBenchSettings,
): Promise<{ index: number; scan: number; results: number }> {
  const builds = new IndexBuilds({ redis, keys, settings: { rate: UNCAPPED, scanCount: 500 }, buildRefusal: null, log: () => undefined });
  const record = await builds.record(request.name);
  const indexRuns: QueryRun[] = [];
  const scanRuns: QueryRun[] = [];
  for (let run = 0; run < bench.lookupRuns; run += 1) {
    indexRuns.push(await askIndex(redis, keys, record, question));
  }
  for (let run = 0; run < bench.scanRuns; run += 1) scanRuns.push(await scanAndFilter(redis, keys, { ...request, ...question }));
  const index = round(median(indexRuns.map((one) => one.ms)), 3);
  const scan = round(median(scanRuns.map((one) => one.ms)), 1);
  const results = indexRuns[0]!.results;
  if (scanRuns.some((one) => one.results !== results)) throw new Error(`${request.name}: the scan found ${scanRuns.map((one) => one.results).join('/')} where the index holds ${results}`);
  log(`index: ${request.field} = ${question.value}: index p50 ${index} ms (${indexRuns[0]!.redisCli[0]}), SCAN + filter p50 ${scan} ms over ${scanRuns[0]!.keysExamined.toLocaleString('en')} keys; ${results.toLocaleString('en')} results`);
  return { index, scan, results };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
