import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { startBroker } from '../broker/broker.js';
import { configSchema } from '../config/schema.js';
import { DEFAULT_REPLAY_KEY_PREFIX, REPLAY_PREFIXED_CLIENT_ID } from '../domain/replay.js';
import { DEFAULT_TOPIC_RULES } from '../domain/topic-rule.js';
import { TopicRouter } from '../ingest/topic-rules.js';
import { CLIMATES } from '../model/climate.js';
import { createKeySchema, replayKeySchemaOptions, type KeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { FileSource } from '../replay/file-source.js';
import { Recording } from '../replay/recorder.js';
import { inProcessPublisher, mqttReplayPublisher, type ReplayPublisher } from '../replay/replay-publisher.js';
import { ReplayRun } from '../replay/replay-run.js';
import { ingestPhase, round, startBenchIngest, type BenchSettings, type PhaseContext, type PhaseResult } from './ingest-phase.js';
import { mainThreadCpuSeconds } from './proc-stats.js';

/**
 * `npm run bench -- replay [--seconds 8] [--rounds 2] [--publishers 2] [--qos 1]`: in one run
 * on one Redis, the live ingest rate with the broker's traffic being recorded (publisher
 * processes at full speed over MQTT, QoS 1, PUBACK after the write); then, in rounds, the live
 * rate without recording and that recording replayed in a loop at 10,000× — faster than the
 * pipeline, so the replay goes as fast as the pipeline takes it, measured over the same window as
 * the live phases — through the bundled broker in-process (the
 * product's publisher); last, through an mqtt.js client on the TCP listener (the seam an outside
 * broker uses). Every replay lands under the replay key prefix, checked. Target: replay within
 * 20 % of the live rate.
 */

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReplayBenchFigures {
  live_readings_per_s: number;
  live_recording_readings_per_s: number;
  recording_overhead_percent: number;
  recorded_messages: number;
  recorded_bytes: number;
  recording_dropped: number;
  recording_bytes_per_s: number;
  scan_ms: number;
  scan_lines_per_s: number;
  replay_readings_per_s: number;
  replay_vs_live_percent: number;
  /** Each round's live and replay rate, taken one after the other. */
  rounds: Array<{ live: number; replay: number; replay_vs_live_percent: number }>;
  replay_broker_thread_cores: number | null;
  replay_mqtt_js_readings_per_s: number;
  replay_mqtt_js_vs_live_percent: number;
  /** The target, replay within 20 % of live: at least 80 % of it. Faster than live is no miss: the replay then keeps up. */
  target_met: boolean;
  publishers: number;
  qos: 0 | 1;
  load_average: number[];
}

export interface ReplayBenchOptions {
  /** Measured window of each phase, after 3 s of warm-up. */
  seconds: number;
  publishers: number;
  qos: 0 | 1;
  /** Unacknowledged replay messages at most; the product's default unless given. */
  maxInFlight?: number;
  /** Live and replay phases are taken in this many pairs. */
  rounds: number;
}

export async function replayBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '8' },
      publishers: { type: 'string', default: '2' },
      qos: { type: 'string', default: '1' },
      'replay-in-flight': { type: 'string' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const figures = await measureReplay({
    seconds: Number(values.seconds),
    publishers: Number(values.publishers),
    qos: values.qos === '0' ? 0 : 1,
    ...(values['replay-in-flight'] !== undefined && { maxInFlight: Number(values['replay-in-flight']) }),
    rounds: Math.max(1, Number(values.rounds)),
  });
  log(JSON.stringify(figures));
}

/** The replay bench on a Redis and a bundled broker of its own, both stopped before it returns; `npm run bench -- export` runs it too. */
export async function measureReplay(options: ReplayBenchOptions): Promise<ReplayBenchFigures> {
  const settings: BenchSettings = {
    publishers: options.publishers,
    warmupMs: 3000,
    measureMs: options.seconds * 1000,
    qos: options.qos,
    latencyRate: 10_000,
    client: 'raw',
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-replay-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: true });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench' });
  const broker = await startBroker({ host: '127.0.0.1', port: 0 });
  const keys = createKeySchema({ keyPrefix: '' });
  try {
    log(`bench replay: redis ${embedded.binary} (AOF everysec); ${settings.publishers} publisher processes, QoS ${settings.qos}; load average ${loadAverage().join(' ')}`);
    return await runReplayBench({ settings, broker, redis, redisUrl: embedded.url, keys, log }, dataDir, options.maxInFlight, options.rounds);
  } finally {
    await broker.close();
    redis.disconnect();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function runReplayBench(context: PhaseContext, dataDir: string, maxInFlight: number | undefined, rounds: number): Promise<ReplayBenchFigures> {
  const path = join(dataDir, 'bench.ndjson');
  let recording: Recording | null = null;
  const recorded = await ingestPhase(context, 'live ingest while recording everything (#)', 'batched', 'max', undefined, 'after-write', {
    measuring: async () => {
      recording = await Recording.start({ name: 'bench', path, filter: '#' }, context.broker, {
        maxBytes: 64 * 1024 ** 3,
        bufferBytes: configSchema.parse({}).replay.recordBufferBytes,
        log: (line) => log(`  ${line}`),
        onStopped: () => undefined,
      });
    },
  });
  const state = await recording!.stop();
  const recordedSeconds = ((state.lastAt ?? 0) - (state.firstAt ?? 0)) / 1000;
  log(
    `recording: ${state.messages.toLocaleString('en')} messages, ${(state.bytes / 1024 ** 2).toFixed(1)} MiB in ${recordedSeconds.toFixed(1)} s ` +
      `(${(state.bytes / 1024 ** 2 / recordedSeconds).toFixed(1)} MiB/s), ${state.dropped} dropped; file ${(await stat(path)).size} bytes`,
  );

  const scanStarted = performance.now();
  const source = await FileSource.open({
    path,
    maxLineBytes: configSchema.parse({}).replay.maxLineBytes,
    checks: { maxPayloadBytes: 262_144, unknownTopic: knownTopics() },
  });
  const scanMs = performance.now() - scanStarted;
  log(`scan: ${source.total.toLocaleString('en')} messages read and indexed in ${scanMs.toFixed(0)} ms, ${source.skipped.total} skipped`);

  // Live and replay taken in turns: on a shared machine the load moves between phases, so each round is a pair and the best of each is compared.
  const pairs: Array<{ live: PhaseResult; replay: ReplayPhaseResult }> = [];
  for (let round = 1; round <= rounds; round += 1) {
    const live = await ingestPhase(context, `round ${round}: live ingest`, 'batched', 'max');
    const replay = await replayPhase(context, source, `round ${round}: replay at 10,000× through the bundled broker in-process`, (clientId) => Promise.resolve(inProcessPublisher(context.broker, clientId)), maxInFlight);
    pairs.push({ live, replay });
  }
  const overMqtt = await replayPhase(context, source, 'replay at 10,000× through an mqtt.js client on the TCP listener', (clientId) => mqttReplayPublisher({ url: context.broker.url, clientId }), maxInFlight);

  const bestLive = Math.max(...pairs.map(({ live }) => live.writtenPerSec));
  const bestReplay = Math.max(...pairs.map(({ replay }) => replay.readingsPerSec));
  const vsLive = (rate: number) => round((rate / bestLive - 1) * 100, 1);
  return {
    live_readings_per_s: Math.round(bestLive),
    live_recording_readings_per_s: Math.round(recorded.writtenPerSec),
    recording_overhead_percent: round((1 - recorded.writtenPerSec / bestLive) * 100, 1),
    recorded_messages: state.messages,
    recorded_bytes: state.bytes,
    recording_dropped: state.dropped,
    recording_bytes_per_s: Math.round(state.bytes / recordedSeconds),
    scan_ms: Math.round(scanMs),
    scan_lines_per_s: Math.round(source.total / (scanMs / 1000)),
    replay_readings_per_s: Math.round(bestReplay),
    replay_vs_live_percent: vsLive(bestReplay),
    rounds: pairs.map(({ live, replay }) => ({ live: Math.round(live.writtenPerSec), replay: Math.round(replay.readingsPerSec), replay_vs_live_percent: round((replay.readingsPerSec / live.writtenPerSec - 1) * 100, 1) })),
    replay_broker_thread_cores: pairs.find(({ replay }) => replay.readingsPerSec === bestReplay)!.replay.brokerThreadCores,
    replay_mqtt_js_readings_per_s: Math.round(overMqtt.readingsPerSec),
    replay_mqtt_js_vs_live_percent: vsLive(overMqtt.readingsPerSec),
    target_met: bestReplay >= 0.8 * bestLive,
    publishers: context.settings.publishers,
    qos: context.settings.qos,
    load_average: loadAverage(),
  };
}

interface ReplayPhaseResult {
  readingsPerSec: number;
  brokerThreadCores: number | null;
}

/**
 * The recording replayed in a loop under the replay prefix into a fresh ingest, measured as the
 * live phases are: readings written per second over `measureMs` after `warmupMs`; then stopped,
 * and every reading it wrote checked to be under the replay prefix and none in the live keys.
 */
async function replayPhase(
  { redis, redisUrl, broker, settings, log: say }: PhaseContext,
  source: FileSource,
  name: string,
  publisherFor: (clientId: string) => Promise<ReplayPublisher>,
  maxInFlight: number | undefined,
): Promise<ReplayPhaseResult> {
  const replayKeys = createKeySchema(replayKeySchemaOptions({ keyPrefix: '' }, DEFAULT_REPLAY_KEY_PREFIX));
  await redis.flushall();
  const ingest = await startBenchIngest({ source: broker, target: { url: redisUrl }, listenUdp: false, log: say });
  const publisher = await publisherFor(`${REPLAY_PREFIXED_CLIENT_ID}bench`);
  const run = new ReplayRun({ source, publisher, speed: 10_000, loop: true, ...(maxInFlight !== undefined && { maxInFlight }) });
  await sleep(settings.warmupMs);
  const start = { written: ingest.snapshot().written, at: performance.now(), thread: mainThreadCpuSeconds() };
  await sleep(settings.measureMs);
  const end = { written: ingest.snapshot().written, at: performance.now(), thread: mainThreadCpuSeconds() };
  await run.stop();
  const figures = run.figures();
  const deadline = performance.now() + 30_000;
  while (ingest.snapshot().written < figures.acknowledged && performance.now() < deadline) await sleep(20);
  await ingest.stop();
  const written = ingest.snapshot().written;
  const replayed = await climateTotal(redis, replayKeys);
  const live = await climateTotal(redis, createKeySchema({ keyPrefix: '' }));
  const seconds = (end.at - start.at) / 1000;
  const readingsPerSec = (end.written - start.written) / seconds;
  say(
    `${name}: ${Math.round(readingsPerSec).toLocaleString('en')} readings/s written; ${figures.loops} loops of ${source.total.toLocaleString('en')}, ` +
      `published ${figures.published}, acknowledged ${figures.acknowledged}, written ${written}, state ${figures.state}; climate counters under ${DEFAULT_REPLAY_KEY_PREFIX} ${replayed}, live ${live}`,
  );
  if (figures.state !== 'stopped' || replayed !== written || figures.acknowledged !== figures.published || live !== 0) {
    throw new Error(`${name}: the replay did not land whole under the replay prefix`);
  }
  return { readingsPerSec, brokerThreadCores: start.thread === null || end.thread === null ? null : round((end.thread - start.thread) / seconds, 2) };
}

/** The default topic rules: the bench publishes thermostat readings on temp_readings. */
function knownTopics(): (topic: string) => string | null {
  const router = new TopicRouter(DEFAULT_TOPIC_RULES);
  return (topic) => (router.handlerFor(topic) === null ? 'no topic rule writes it' : null);
}

async function climateTotal(redis: Redis, keys: KeySchema): Promise<number> {
  const values = await redis.mget(...CLIMATES.map((climate) => keys.climateCounter(climate)));
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
}

function loadAverage(): number[] {
  return loadavg().map((value) => round(value, 2));
}
