import type { Redis } from 'ioredis';
import type { Broker } from '../broker/broker.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import { startBenchIngest, waitUntil } from './ingest-phase.js';
import { startMeterSender, startPublisher } from './publisher-runner.js';
import type { PublisherProgress } from './publisher-process.js';

export interface SoakSettings {
  minutes: number;
  /** Readings per second offered in all, thermostats and meters together. */
  rate: number;
  /** The part of `rate` sent by meters over UDP; the rest are thermostats over MQTT. */
  meterShare: number;
  /** Thermostat publisher processes (QoS 1, one connection each). */
  publishers: number;
}

export interface SoakContext {
  broker: Broker;
  redis: Redis;
  redisUrl: string;
  log: (line: string) => void;
}

/** One minute of a soak; counts are of that minute, memory as it stood at its end. */
export interface SoakMinute {
  minute: number;
  rss_mb: number;
  heap_mb: number;
  worker_heap_mb: number | null;
  thermostats_published: number;
  meters_sent: number;
  written: number;
  puback_p50_ms: number | null;
  puback_p99_ms: number | null;
  /** publish→written over ingest's last 10 s, thermostats and meters. */
  written_p99_ms: number | null;
  redis_used_mb: number;
}

export interface SoakResult {
  minutes: SoakMinute[];
  /** Last minute against the second (the first includes start-up); null for a soak under 3 minutes. */
  rss_change_pct: number | null;
  puback_p99_change_pct: number | null;
  flat: boolean | null;
  thermostats_published: number;
  thermostats_written: number;
  meters_sent: number;
  meters_written: number;
}

/** The soak's flags as `npm run bench -- soak` takes them, checked. */
export function parseSoakSettings(values: { publishers: string; minutes: string; 'soak-rate': string; 'meter-share': string }): SoakSettings {
  const settings = { minutes: Number(values.minutes), rate: Number(values['soak-rate']), meterShare: Number(values['meter-share']), publishers: Number(values.publishers) };
  if (!Number.isInteger(settings.minutes) || settings.minutes < 1) throw new Error(`--minutes must be a whole number of minutes, at least 1, not ${values.minutes}`);
  if (!(settings.rate > 0)) throw new Error(`--soak-rate must be a number of readings/s above 0, not ${values['soak-rate']}`);
  if (!(settings.meterShare >= 0 && settings.meterShare < 1)) throw new Error(`--meter-share must be at least 0 and below 1, not ${values['meter-share']}`);
  if (!Number.isInteger(settings.publishers) || settings.publishers < 1) throw new Error(`--publishers must be a whole number, at least 1, not ${values.publishers}`);
  return settings;
}

/** "Flat" as the issue defines it: the last minute within 20 % of the second. */
const FLAT_WITHIN = 0.2;
const MINUTE_MS = 60_000;
const METERS = 10_000;
const DAY = 86_400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * `npm run bench -- soak`: the product's ingest (broker, worker, Redis) under a steady mixed load
 * for minutes, watched once a minute for growth that a 10-second bench cannot show: memory that
 * creeps, latency that drifts, writes that fall behind.
 */
export async function runSoak({ broker, redis, redisUrl, log }: SoakContext, settings: SoakSettings): Promise<SoakResult> {
  await redis.flushall();
  const ingest = await startBenchIngest({ source: broker, target: { url: redisUrl }, listenUdp: true, log });
  const meterRate = Math.round(settings.rate * settings.meterShare);
  const thermostatRate = settings.rate - meterRate;
  const durationMs = settings.minutes * MINUTE_MS + 500;
  log(
    `soak: ${settings.minutes} min at ${settings.rate.toLocaleString('en')} readings/s — ` +
      `${thermostatRate.toLocaleString('en')}/s thermostats over MQTT QoS 1 (${settings.publishers} processes), ${meterRate.toLocaleString('en')}/s meters over UDP`,
  );
  const publishers = Array.from({ length: settings.publishers }, () =>
    startPublisher({ brokerUrl: broker.url, connections: 1, rate: thermostatRate / settings.publishers, durationMs, qos: 1, devices: 5000, client: 'raw', measureAfterMs: 0 }),
  );
  const meters = startMeterSender({
    udpUrl: ingest.udpUrl!,
    rate: meterRate,
    durationMs,
    firstMeter: 1,
    meters: METERS,
    startTimestamp: bucketStartOf(Math.floor(Date.now() / 1000) - 30 * DAY, DAY),
    readingsPerDatagram: 1,
  });
  const loads = [...publishers, meters];
  await Promise.all(loads.map((load) => load.ready));
  for (const load of loads) load.go();

  const rows: SoakMinute[] = [];
  let before = { published: 0, sent: 0, written: 0 };
  const started = performance.now();
  for (let minute = 1; minute <= settings.minutes; minute++) {
    await sleep(started + minute * MINUTE_MS - performance.now());
    const thermostats = await Promise.all(publishers.map((publisher) => publisher.report()));
    const { sent } = await meters.report();
    const snapshot = ingest.snapshot();
    const published = thermostats.reduce((sum, progress) => sum + progress.published, 0);
    const written = snapshot.written + snapshot.meterReadingsWritten;
    const memory = process.memoryUsage();
    const workerHeap = await ingest.workerHeapUsedBytes();
    const row: SoakMinute = {
      minute,
      rss_mb: mb(memory.rss),
      heap_mb: mb(memory.heapUsed),
      worker_heap_mb: workerHeap === null ? null : mb(workerHeap),
      thermostats_published: published - before.published,
      meters_sent: sent - before.sent,
      written: written - before.written,
      ...worstPuback(thermostats),
      written_p99_ms: snapshot.latency.p99,
      redis_used_mb: mb(await redisUsedMemory(redis)),
    };
    before = { published, sent, written };
    rows.push(row);
    log(describeMinute(row));
  }

  const publisherResults = await Promise.all(publishers.map((publisher) => publisher.result));
  const meterResult = await meters.result;
  const thermostatsPublished = publisherResults.reduce((sum, result) => sum + result.published, 0);
  await waitUntil(() => ingest.snapshot().written >= thermostatsPublished, 20_000);
  // Datagrams still in the socket buffer or the worker's batch.
  await sleep(1000);
  await ingest.stop();
  const final = ingest.snapshot();
  const result: SoakResult = {
    minutes: rows,
    ...soakFlatness(rows),
    thermostats_published: thermostatsPublished,
    thermostats_written: final.written,
    meters_sent: meterResult.sent,
    meters_written: final.meterReadingsWritten,
  };
  log(describeSoak(result));
  return result;
}

/** The worst process's figures: each publisher's PUBACKs are its own devices' experience. */
function worstPuback(progress: readonly PublisherProgress[]): Pick<SoakMinute, 'puback_p50_ms' | 'puback_p99_ms'> {
  const measured = progress.flatMap((one) => (one.pubackLatencyMs ? [one.pubackLatencyMs] : []));
  if (measured.length === 0) return { puback_p50_ms: null, puback_p99_ms: null };
  const round2 = (value: number) => Math.round(value * 100) / 100;
  return { puback_p50_ms: round2(Math.max(...measured.map((m) => m.p50))), puback_p99_ms: round2(Math.max(...measured.map((m) => m.p99))) };
}

export function soakFlatness(rows: readonly SoakMinute[]): Pick<SoakResult, 'rss_change_pct' | 'puback_p99_change_pct' | 'flat'> {
  const second = rows[1];
  const last = rows.at(-1);
  if (rows.length < 3 || !second || !last) return { rss_change_pct: null, puback_p99_change_pct: null, flat: null };
  const change = (from: number | null, to: number | null) => (from === null || to === null || from === 0 ? null : Math.round(((to - from) / from) * 1000) / 10);
  const rss = change(second.rss_mb, last.rss_mb);
  const p99 = change(second.puback_p99_ms, last.puback_p99_ms);
  const within = (pct: number | null) => pct !== null && Math.abs(pct) <= FLAT_WITHIN * 100;
  return { rss_change_pct: rss, puback_p99_change_pct: p99, flat: within(rss) && within(p99) };
}

function describeMinute(row: SoakMinute): string {
  const ms = (value: number | null) => (value === null ? '–' : value.toFixed(2));
  return (
    `  minute ${row.minute}: RSS ${row.rss_mb} MB, heap ${row.heap_mb} MB (worker ${row.worker_heap_mb ?? '–'} MB), Redis ${row.redis_used_mb} MB; ` +
    `published ${row.thermostats_published.toLocaleString('en')} thermostat + ${row.meters_sent.toLocaleString('en')} meter readings, written ${row.written.toLocaleString('en')}; ` +
    `PUBACK p50 ${ms(row.puback_p50_ms)} ms, p99 ${ms(row.puback_p99_ms)} ms; publish→written p99 ${ms(row.written_p99_ms)} ms (last 10 s)`
  );
}

function describeSoak(result: SoakResult): string {
  const verdict = result.flat === null ? 'too short to judge flatness (3 minutes at least)' : result.flat ? 'flat' : 'NOT flat';
  return (
    `soak: ${verdict} — RSS ${signed(result.rss_change_pct)} and PUBACK p99 ${signed(result.puback_p99_change_pct)} from minute 2 to the last (limit ±${FLAT_WITHIN * 100} %); ` +
    `thermostats published ${result.thermostats_published.toLocaleString('en')}, written ${result.thermostats_written.toLocaleString('en')}; ` +
    `meters sent ${result.meters_sent.toLocaleString('en')}, written ${result.meters_written.toLocaleString('en')} (UDP: not written = dropped)`
  );
}

const signed = (pct: number | null) => (pct === null ? '–' : `${pct > 0 ? '+' : ''}${pct} %`);

async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}
