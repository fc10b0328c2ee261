import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { EXPORT_VIEWS } from '../api/export.js';
import { REFUSAL_CODES } from '../devices/refusals.js';
import { REJECTION_REASONS } from '../domain/rejection.js';
import { EMPTY_INGEST_SNAPSHOT, type IngestSnapshot } from '../ingest/ingest-snapshot.js';
import { LATENCY_BUCKET_BOUNDS_MS, type LatencyHistogram } from '../ingest/latency-buckets.js';
import type { MetricsExposition } from '../server/metrics-listener.js';
import { redisCommandsProcessed } from './figures-sampler.js';
import type { StackParts } from './stack-parts.js';

const PREFIX = 'sensor_workbench_';
export const LATENCY_METRIC = `${PREFIX}publish_to_written_seconds`;

/** The metrics this stack exports besides prom-client's process defaults (process_*, nodejs_*). */
export const STACK_METRIC_NAMES = [
  `${PREFIX}readings_received_total`,
  `${PREFIX}readings_written_total`,
  `${PREFIX}readings_rejected_total`,
  `${PREFIX}meter_readings_received_total`,
  `${PREFIX}meter_readings_written_total`,
  `${PREFIX}write_errors_total`,
  `${PREFIX}buffered_readings`,
  `${PREFIX}buffer_limit`,
  LATENCY_METRIC,
  `${PREFIX}mqtt_clients`,
  `${PREFIX}mqtt_refusals_total`,
  `${PREFIX}archive_passes_total`,
  `${PREFIX}archive_failed_passes_total`,
  `${PREFIX}archive_buckets_total`,
  `${PREFIX}archive_bytes_in_total`,
  `${PREFIX}archive_bytes_out_total`,
  `${PREFIX}redis_commands_processed_total`,
  `${PREFIX}api_requests_total`,
  `${PREFIX}api_throttled_total`,
  `${PREFIX}export_rows_total`,
  `${PREFIX}exports_total`,
] as const;

type Parts = Pick<StackParts, 'ingest' | 'broker' | 'archiver' | 'redis' | 'config' | 'apiAccess' | 'exports'>;

/**
 * Prometheus figures of a running stack. Every value is read at scrape time from what the parts
 * already count (the ingest worker's snapshot, the broker's refusal log, the archiver's totals,
 * Redis INFO), so scraping adds nothing to the hot path.
 */
export function stackMetrics(parts: Parts): () => Promise<MetricsExposition> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ingest = (): IngestSnapshot => parts.ingest?.snapshot() ?? EMPTY_INGEST_SNAPSHOT;
  registerIngest(registry, ingest, parts.config.ingest.bufferLimit);
  registerBroker(registry, parts);
  registerArchive(registry, parts);
  registerRedis(registry, parts);
  registerApi(registry, parts);
  registerExports(registry, parts);
  return async () => ({
    contentType: registry.contentType,
    body: (await registry.metrics()) + latencyExposition(ingest().latencyHistogram),
  });
}

/** A counter whose value is someone else's running total, set when scraped. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

function registerIngest(registry: Registry, ingest: () => IngestSnapshot, bufferLimit: number): void {
  totalCounter(registry, `${PREFIX}readings_received_total`, 'Thermostat readings taken from the broker.', () => ingest().received);
  totalCounter(registry, `${PREFIX}readings_written_total`, 'Readings written to Redis (thermostat readings, meter readings and hash messages).', () => ingest().written);
  new Counter({
    name: `${PREFIX}readings_rejected_total`,
    help: 'Payloads rejected, by reason; each lands in the dead letters.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      // Every reason from the first scrape on, so that rate() has a series before the first rejection.
      const { rejectedByReason } = ingest();
      for (const reason of REJECTION_REASONS) this.inc({ reason }, rejectedByReason[reason] ?? 0);
    },
  });
  totalCounter(registry, `${PREFIX}meter_readings_received_total`, 'Smart-meter readings received over UDP or MQTT.', () => ingest().meterReadingsReceived);
  totalCounter(registry, `${PREFIX}meter_readings_written_total`, 'Smart-meter readings written to their energy buckets.', () => ingest().meterReadingsWritten);
  totalCounter(registry, `${PREFIX}write_errors_total`, 'Redis batches that failed and were retried.', () => ingest().writeErrors);
  totalCounter(
    registry,
    `${PREFIX}possible_recounts_total`,
    'On a Redis Cluster: readings a counter or list may hold twice, their write resent after its reply was lost.',
    () => ingest().possibleRecounts,
  );
  gauge(registry, `${PREFIX}buffered_readings`, 'Readings held in the write buffer, not yet in Redis.', () => ingest().buffered);
  gauge(registry, `${PREFIX}buffer_limit`, 'Readings the buffer holds before publishers are slowed (--buffer-limit).', () => bufferLimit);
}

function registerBroker(registry: Registry, { broker }: Parts): void {
  // 0 where this process runs no bundled broker (an outside broker's clients are its own to count).
  gauge(registry, `${PREFIX}mqtt_clients`, 'MQTT clients connected to the bundled broker.', () => broker?.connectedClients() ?? 0);
  new Counter({
    name: `${PREFIX}mqtt_refusals_total`,
    help: 'Connections, publishes and subscriptions the broker refused, by code.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      const byCode = broker?.refusals().byCode;
      for (const code of REFUSAL_CODES) this.inc({ code }, byCode?.[code] ?? 0);
    },
  });
}

function registerArchive(registry: Registry, { archiver }: Parts): void {
  totalCounter(registry, `${PREFIX}archive_passes_total`, 'Archive passes run (automatic and on demand).', () => archiver.totals().passes);
  totalCounter(registry, `${PREFIX}archive_failed_passes_total`, 'Archive passes that failed; their buckets stay in Redis.', () => archiver.totals().failedPasses);
  new Counter({
    name: `${PREFIX}archive_buckets_total`,
    help: 'Energy buckets moved to S3 (outcome="done") or left in Redis after a failure (outcome="failed").',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const { bucketsDone, bucketsFailed } = archiver.totals();
      this.inc({ outcome: 'done' }, bucketsDone);
      this.inc({ outcome: 'failed' }, bucketsFailed);
    },
  });
  totalCounter(registry, `${PREFIX}archive_bytes_in_total`, 'Bytes of readings read from Redis by archive passes.', () => archiver.totals().bytesIn);
  totalCounter(registry, `${PREFIX}archive_bytes_out_total`, 'Bytes of LZ4 objects written to S3 by archive passes.', () => archiver.totals().bytesOut);
}

function registerRedis(registry: Registry, { redis }: Parts): void {
  // While Redis does not answer the last figure stays, rather than a drop Prometheus would read as a restart.
  let lastKnown = 0;
  new Counter({
    name: `${PREFIX}redis_commands_processed_total`,
    help: 'Commands the workbench Redis has processed (INFO total_commands_processed); rate() of it is Redis commands/s.',
    registers: [registry],
    async collect() {
      lastKnown = (await redisCommandsProcessed(redis)) ?? lastKnown;
      this.reset();
      this.inc(lastKnown);
    },
  });
}

function registerApi(registry: Registry, { apiAccess }: Parts): void {
  new Counter({
    name: `${PREFIX}api_requests_total`,
    help: 'Client API requests answered, by route name (unknown for a path that is none) and HTTP status.',
    labelNames: ['route', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of apiAccess.requestCounts) {
        const [route, status] = key.split(' ');
        this.inc({ route, status }, count);
      }
    },
  });
  // Per key would be a series per key id: too many; the API keys page has each key's 429s.
  totalCounter(registry, `${PREFIX}api_throttled_total`, 'Client API requests refused with 429: over their key\'s limit per 5 s.', () => apiAccess.throttledCount);
}

function registerExports(registry: Registry, { exports }: Parts): void {
  // A process without the pages (roles ingest, udp, api, archiver) exports nothing.
  if (!exports) return;
  new Counter({
    name: `${PREFIX}export_rows_total`,
    help: 'Rows streamed by exports, by view.',
    labelNames: ['view'],
    registers: [registry],
    collect() {
      this.reset();
      for (const view of EXPORT_VIEWS) this.inc({ view }, 0);
      for (const [view, rows] of exports.totals().rows) this.inc({ view }, rows);
    },
  });
  new Counter({
    name: `${PREFIX}exports_total`,
    help: 'Exports ended, by outcome: done, failed, or aborted (the client went away first).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(exports.totals().outcomes)) this.inc({ outcome }, count);
    },
  });
}

/**
 * The latency histogram in the exposition format. prom-client's Histogram only takes single
 * observations, while the ingest worker hands over counts it has already bucketed, so these few
 * lines are written here; `le` is in seconds, as Prometheus expects.
 */
export function latencyExposition({ counts, sumMs }: LatencyHistogram): string {
  let cumulative = 0;
  const bucketLines = counts.map((count, slot) => {
    cumulative += count;
    const bound = LATENCY_BUCKET_BOUNDS_MS[slot];
    return `${LATENCY_METRIC}_bucket{le="${bound === undefined ? '+Inf' : bound / 1000}"} ${cumulative}`;
  });
  return [
    '',
    `# HELP ${LATENCY_METRIC} Time from a message's arrival at the broker to its reading being written to Redis.`,
    `# TYPE ${LATENCY_METRIC} histogram`,
    ...bucketLines,
    `${LATENCY_METRIC}_sum ${sumMs / 1000}`,
    `${LATENCY_METRIC}_count ${cumulative}`,
    '',
  ].join('\n');
}
