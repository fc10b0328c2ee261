import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { countExportRows, EXPORT_TOTAL_HEADER, type ExportView } from '../api/export.js';
import { configSchema, type Config } from '../config/schema.js';
import { meterId } from '../emulator/meter-generator.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import { classifyClimate } from '../model/climate.js';
import { createKeySchema, type KeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { archivePhase, fillEnergyBuckets, startBenchS3, type EnergyBenchContext } from './energy-bench.js';
import { round } from './ingest-phase.js';
import { processCpuSeconds, residentBytes } from './proc-stats.js';
import { redisCpuSeconds } from './redis-cpu.js';
import { measureReplay, type ReplayBenchFigures } from './replay-bench.js';
import { startServeChild, type ServeChild } from './serve-child.js';

/**
 * `npm run bench -- export [--rows 1000000] [--days 30] [--runs 5] [--seconds 8] [--rounds 2]`:
 * the streaming exports of issue 19 on the server as `serve` runs it, in a process of its own so
 * that its RSS is the server's alone: `rows` SensorData events with their device hashes as CSV,
 * then `days` of one meter archived to s3rver by the real Archiver and exported from there
 * (readings and hourly energy); last, in the same run, the replay bench's live ingest and replay
 * rates, with the target (replay within 20 % of live) stated as met or not.
 */

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY = 86_400;
const MIB = 1024 * 1024;
/** The bound on the server's RSS growth while 1,000,000 rows stream. */
const RSS_BOUND_MIB = 50;
/** Devices per seeding pipeline: one ZADD of them all and one HSET each. */
const SEED_BATCH = 10_000;
/** Far below the 10 ms the export's pages take, so a short peak is not missed. */
const RSS_SAMPLE_MS = 50;
/** The events' scores (ms since epoch) start here, one millisecond apart. */
const FIRST_SCORE = 1_700_000_000_000;

export interface ExportBenchSettings {
  rows: number;
  days: number;
  /** Exports of each meter view, timed one after the other. */
  runs: number;
  replay: { seconds: number; rounds: number };
}

interface ExportRun {
  rows: number;
  bytes: number;
  seconds: number;
  /** Highest RSS sampled while it streamed, above the RSS just before it. */
  rssGrowthBytes: number;
  /** CPU cores used while it streamed: the server process, redis-server, and this process reading the answer. */
  cores: { server: number; redis: number; client: number };
}

export async function exportBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      days: { type: 'string', default: '30' },
      runs: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const settings: ExportBenchSettings = {
    rows: wholeNumber('--rows', values.rows, 1, 100_000_000),
    days: wholeNumber('--days', values.days, 1, 366),
    runs: wholeNumber('--runs', values.runs, 1, 1000),
    replay: { seconds: wholeNumber('--seconds', values.seconds, 1, 3600), rounds: wholeNumber('--rounds', values.rounds, 1, 100) },
  };
  log(JSON.stringify(await runExportBench(settings)));
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}, not ${text}`);
  return value;
}

async function runExportBench(settings: ExportBenchSettings): Promise<Record<string, unknown>> {
  const loadBefore = loadAverage();
  const exports = await exportPhases(settings);
  const replay = await measureReplay({ seconds: settings.replay.seconds, publishers: 2, qos: 1, rounds: settings.replay.rounds });
  log(
    `replay at full speed: ${replay.replay_readings_per_s.toLocaleString('en')} readings/s against live ingest ${replay.live_readings_per_s.toLocaleString('en')} ` +
      `(${replay.replay_vs_live_percent} %): the target (within 20 % of live, so at least 80 % of it) is ${replay.target_met ? 'met' : 'not met'}`,
  );
  return { ...exports, ...replayFigures(replay), load_average_before: loadBefore, load_average_after: loadAverage() };
}

/** The two exports, on one Redis and one s3rver, against one server process; all stopped before it returns. */
async function exportPhases(settings: ExportBenchSettings): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-export-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: false });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench-export' });
  const keys = createKeySchema({ keyPrefix: '' });
  const s3 = await startBenchS3();
  let server: ServeChild | null = null;
  try {
    log(`bench export: redis ${embedded.binary} (no persistence); load average ${loadAverage().join(' ')}`);
    await seedEvents(redis, keys, settings.rows);
    const s3Settings = s3.settings('bench-export');
    const meter = await seedArchivedMeter({ redis, redisUrl: embedded.url, keys, log }, s3Settings, settings.days);
    server = await startServeChild(serveArgs(embedded.url, join(dataDir, 'serve'), s3Settings), { AWS_ACCESS_KEY_ID: s3Settings.accessKeyId, AWS_SECRET_ACCESS_KEY: s3Settings.secretAccessKey });
    const http = new URL(server.ready.http!);
    const client = { origin: http.origin, token: http.searchParams.get('token') ?? '', pid: server.pid, redis };
    const rssAtStart = residentBytes(server.pid)!.rss;
    log(`server: pid ${server.pid}, RSS ${mib(rssAtStart)} MiB after start`);

    // The export thread starts with the server; an empty export first compiles its code, a one-time cost that is not the rows'.
    await exportOnce(client, 'events', { from: '0', to: '1' }, 0);
    await sleep(500);
    const rssWarm = residentBytes(server.pid)!.rss;
    const events = await exportOnce(client, 'events', { from: String(FIRST_SCORE), to: String(FIRST_SCORE + settings.rows - 1) }, settings.rows);
    log(
      `events: ${events.rows.toLocaleString('en')} rows, ${(events.bytes / 1e6).toFixed(1)} MB of CSV in ${events.seconds.toFixed(1)} s ` +
        `(${Math.round(events.rows / events.seconds).toLocaleString('en')} rows/s, ${(events.bytes / 1e6 / events.seconds).toFixed(1)} MB/s); ` +
        `server RSS ${mib(rssWarm)} MiB after an empty export (+${mib(rssWarm - rssAtStart)}), peak +${mib(events.rssGrowthBytes)} MiB while it streamed; ` +
        `CPU cores: server ${events.cores.server}, redis ${events.cores.redis}, this client ${events.cores.client}`,
    );

    const range = { deviceId: meter.deviceId, from: String(meter.from), to: String(meter.to) };
    const readings = await meterRuns(client, 'meter-readings', range, meter.readings, settings.runs);
    const energy = await meterRuns(client, 'meter-energy', { ...range, interval: '3600' }, (settings.days * DAY) / 3600, settings.runs);
    const peakOverLife = residentBytes(server.pid)!.peak;
    return {
      export_events_rows: events.rows,
      export_events_rows_per_s: Math.round(events.rows / events.seconds),
      export_events_mb_per_s: round(events.bytes / 1e6 / events.seconds, 1),
      export_events_seconds: round(events.seconds, 1),
      export_events_rss_growth_mib: round(events.rssGrowthBytes / MIB, 1),
      export_events_rss_within_50_mib: events.rssGrowthBytes < RSS_BOUND_MIB * MIB,
      export_events_cpu_cores: events.cores,
      empty_export_mib: round((rssWarm - rssAtStart) / MIB, 1),
      server_rss_at_start_mib: round(rssAtStart / MIB, 1),
      server_rss_peak_over_life_mib: round(peakOverLife / MIB, 1),
      export_meter_days: settings.days,
      export_meter_readings_rows: readings.rows,
      export_meter_readings_rows_per_s: readings.rowsPerSecMedian,
      export_meter_readings_ms_median: readings.msMedian,
      export_meter_readings_ms_first: readings.msFirst,
      export_meter_readings_rss_growth_mib: readings.rssGrowthMib,
      export_meter_energy_rows: energy.rows,
      export_meter_energy_rows_per_s: energy.rowsPerSecMedian,
      export_meter_energy_ms_median: energy.msMedian,
      export_meter_energy_ms_first: energy.msFirst,
      export_meter_energy_rss_growth_mib: energy.rssGrowthMib,
      export_meter_runs: settings.runs,
    };
  } finally {
    await server?.stop();
    redis.disconnect();
    await s3.stop();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * `rows` thermostat events as ingest leaves them: one SensorData entry per device (a ZSET member
 * is a device id) and its hash. One in a thousand requestIds holds a quote, a comma and a newline,
 * so the CSV writer quotes as it would for real payloads.
 */
async function seedEvents(redis: Redis, keys: KeySchema, rows: number): Promise<void> {
  const started = performance.now();
  const next = thermostatGenerator({ devices: rows });
  for (let first = 0; first < rows; first += SEED_BATCH) {
    const pipeline = redis.pipeline();
    const members: Array<number | string> = [];
    for (let index = first; index < Math.min(rows, first + SEED_BATCH); index++) {
      const { temperature, humidity, deviceIP } = next();
      const deviceId = String(index + 1);
      const score = FIRST_SCORE + index;
      members.push(score, deviceId);
      const requestId = index % 1000 === 0 ? `say "hi", twice\n${index}` : `req-${index}`;
      pipeline.hset(keys.deviceHash(deviceId), 'temperature', temperature, 'humidity', humidity, 'climate', classifyClimate(temperature), 'deviceIP', deviceIP, 'timestamp', score, 'requestId', requestId);
    }
    pipeline.zadd(keys.sensorData, ...members);
    await pipeline.exec();
  }
  const seconds = (performance.now() - started) / 1000;
  log(`seed: ${rows.toLocaleString('en')} SensorData entries and device hashes in ${seconds.toFixed(1)} s (${Math.round(rows / seconds).toLocaleString('en')}/s, pipelined)`);
}

interface ArchivedMeter {
  deviceId: string;
  from: number;
  to: number;
  readings: number;
}

/** `days` whole days of one meter's 5-minute readings, ending yesterday, moved to S3 by the real Archiver; none left in Redis. */
async function seedArchivedMeter(context: EnergyBenchContext, s3: Config['archive']['s3'], days: number): Promise<ArchivedMeter> {
  const { redis, keys } = context;
  const today = bucketStartOf(Math.floor(Date.now() / 1000), DAY);
  const from = today - days * DAY;
  const { readings, bytes } = await fillEnergyBuckets(redis, keys, 1, days, from);
  await archivePhase(context, `archive ${days} days of ${meterId(1)} (${readings.toLocaleString('en')} readings, ${(bytes / 1e6).toFixed(1)} MB)`, s3, configSchema.parse({}).archive.concurrency);
  const left = await redis.scard(keys.energyPending);
  if (left !== 0) throw new Error(`the archive pass left ${left} buckets in Redis: the meter export would not read S3 alone`);
  return { deviceId: meterId(1), from, to: today - 1, readings };
}

/** `serve` on the bench's Redis and s3rver: no emulator, no scheduled archive pass, no client API, every port free. */
function serveArgs(redisUrl: string, dataDir: string, s3: Config['archive']['s3']): string[] {
  return [
    '--data-dir', dataDir,
    '--redis-url', redisUrl,
    '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0', '--no-api',
    '--archive-interval', '0',
    '--s3-endpoint', s3.endpoint!, '--s3-bucket', s3.bucket!, '--s3-path-style',
  ];
}

interface ExportClient {
  origin: string;
  token: string;
  pid: number;
  redis: Redis;
}

/** One export through fetch, read as fast as it comes and counted row by row, with the server's RSS sampled throughout. */
async function exportOnce(client: ExportClient, view: ExportView, query: Record<string, string>, expectedRows: number): Promise<ExportRun> {
  const rssBefore = residentBytes(client.pid)!.rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, residentBytes(client.pid)?.rss ?? 0)), RSS_SAMPLE_MS);
  try {
    const started = performance.now();
    const cpuBefore = { server: processCpuSeconds(client.pid), redis: await redisCpuSeconds(client.redis), client: process.cpuUsage() };
    const answer = await fetch(`${client.origin}/api/export/${view}?${new URLSearchParams({ format: 'csv', ...query })}`, { headers: { authorization: `Bearer ${client.token}` } });
    if (answer.status !== 200) throw new Error(`export ${view}: HTTP ${answer.status}: ${await answer.text()}`);
    const { rows, bytes } = await countExportRows(answer.body!, 'csv');
    const seconds = (performance.now() - started) / 1000;
    const total = answer.headers.get(EXPORT_TOTAL_HEADER);
    // A bucket S3 could not give would be a row of its own: a count off by any is a failed export.
    if (rows !== expectedRows || (total !== null && Number(total) !== rows)) throw new Error(`export ${view}: ${rows} rows, ${EXPORT_TOTAL_HEADER} ${total}, expected ${expectedRows}`);
    rssPeak = Math.max(rssPeak, residentBytes(client.pid)!.rss);
    const clientCpu = process.cpuUsage(cpuBefore.client);
    const cores = {
      server: round((processCpuSeconds(client.pid) - cpuBefore.server) / seconds, 2),
      redis: round(((await redisCpuSeconds(client.redis)) - cpuBefore.redis) / seconds, 2),
      client: round((clientCpu.user + clientCpu.system) / 1e6 / seconds, 2),
    };
    return { rows, bytes, seconds, rssGrowthBytes: rssPeak - rssBefore, cores };
  } finally {
    clearInterval(sampler);
  }
}

/** `runs` exports of a meter view, each reading every bucket from S3 afresh (an export keeps no cache past itself). */
async function meterRuns(client: ExportClient, view: ExportView, query: Record<string, string>, expectedRows: number, runs: number) {
  const results: ExportRun[] = [];
  for (let run = 0; run < runs; run++) results.push(await exportOnce(client, view, query, expectedRows));
  const ms = median(results.map(({ seconds }) => seconds * 1000));
  const rssGrowthMib = round(Math.max(...results.map(({ rssGrowthBytes }) => rssGrowthBytes)) / MIB, 1);
  const rowsPerSecMedian = Math.round(expectedRows / (ms / 1000));
  log(
    `${view}, ${query.from}…${query.to} from S3: ${expectedRows.toLocaleString('en')} rows, median ${ms.toFixed(0)} ms of ${runs} ` +
      `(${results.map(({ seconds }) => (seconds * 1000).toFixed(0)).join(', ')} ms; ${rowsPerSecMedian.toLocaleString('en')} rows/s), peak RSS growth +${rssGrowthMib} MiB`,
  );
  // The first also starts what the view needs on the export thread (the S3 client, its code's JIT).
  return { rows: expectedRows, rowsPerSecMedian, msMedian: round(ms, 1), msFirst: round(results[0]!.seconds * 1000, 1), rssGrowthMib };
}

function replayFigures(replay: ReplayBenchFigures): Record<string, unknown> {
  return {
    replay_readings_per_s: replay.replay_readings_per_s,
    replay_live_readings_per_s: replay.live_readings_per_s,
    replay_vs_live_percent: replay.replay_vs_live_percent,
    replay_target_met: replay.target_met,
    replay_rounds: replay.rounds,
    replay_mqtt_js_readings_per_s: replay.replay_mqtt_js_readings_per_s,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

function loadAverage(): number[] {
  return loadavg().map((value) => round(value, 2));
}
