import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { ApiAccess } from '../api-access/api-access.js';
import type { ApiKeyRecord } from '../api-access/api-key-store.js';
import { clientApiBackend } from '../app/client-api-backend.js';
import { createS3Client } from '../archive/s3-client.js';
import { configSchema } from '../config/schema.js';
import { meterId } from '../emulator/meter-generator.js';
import { createKeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import type { ClientApiAccess } from '../server/client-api-backend.js';
import { startClientApiServer, type ClientApiServer } from '../server/client-api-server.js';
import { archivePhase, fillEnergyBuckets, startBenchS3 } from './energy-bench.js';
import { round } from './ingest-phase.js';
import { redisCpuSeconds } from './redis-cpu.js';

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));
const DAY = 86_400;
/** The paper's instance: "over 100k req/day to the APIs". */
const PAPER_REQUESTS_PER_DAY = 100_000;
const ARCHIVED_DAYS = 7;

export interface ApiBenchOptions {
  seconds: number;
  /** Keyed and open runs alternate this many times per route; the figures are the medians. */
  rounds: number;
  connections: number;
  fixedRate: number;
  log: (line: string) => void;
}

interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU of this process (both listeners, the client side excluded) per request answered. */
  nodeCpuUsPerRequest: number;
  redisCpuUsPerRequest: number;
}

/**
 * `npm run bench -- api`: the client API's energy route (7 archived days from S3, warm cache, plus
 * today from Redis) and climate route, each with the key check, the paper's throttle pipeline and
 * the usage counters, against the same handlers on a listener that skips all three; autocannon in
 * its own process; then p99 at a fixed rate with the key.
 */
export async function runApiBench({ seconds, rounds, connections, fixedRate, log }: ApiBenchOptions): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-api-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: false });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench-api' });
  // As the stack's client API has it: both listeners on one connection of their own, one write per turn of the event loop.
  const apiRedis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench-client-api', batchPerTurn: true });
  const s3 = await startBenchS3();
  const keys = createKeySchema({ keyPrefix: '' });
  const servers: ClientApiServer[] = [];
  const access = new ApiAccess(apiRedis, keys, (line) => log(`  api: ${line}`));
  try {
    const deviceId = meterId(1);
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    const s3Settings = s3.settings('bench-api');
    await fillEnergyBuckets(redis, keys, 1, ARCHIVED_DAYS, today - ARCHIVED_DAYS * DAY);
    await archivePhase({ redis, redisUrl: embedded.url, keys, log }, `archive ${ARCHIVED_DAYS} days of ${deviceId}`, s3Settings, 4);
    await fillEnergyBuckets(redis, keys, 1, 1, today);
    await redis.mset('climate:hot', 12, 'climate:warm', 340, 'climate:cool', 560, 'climate:cold', 88);

    const config = configSchema.parse({});
    const energyArchive = { client: createS3Client(s3Settings), bucket: s3Settings.bucket!, keyPrefix: s3Settings.keyPrefix };
    const keyed = await startClientApiServer({ backend: clientApiBackend({ redis: apiRedis, keys, config, energyArchive }, access), host: '127.0.0.1', port: 0, log });
    servers.push(keyed);
    const open = await startClientApiServer({ backend: clientApiBackend({ redis: apiRedis, keys, config, energyArchive }, uncheckedAccess()), host: '127.0.0.1', port: 0, log });
    servers.push(open);
    // A limit no run reaches: every request still pays the INCR + EXPIRE + GET pipeline.
    const { key } = await access.store.create({ name: 'bench', limitPer5s: 1_000_000 });
    const headers = [`authorization=Bearer ${key}`];

    const energyPath = `/v1/meters/${deviceId}/energy?from=${today - ARCHIVED_DAYS * DAY}&to=${today + DAY - 1}&interval=3600`;
    const load = (name: string, url: string, rate?: number, runSeconds = seconds) =>
      autocannon(name, url, { seconds: runSeconds, connections: rate === undefined ? connections : 10, rate, headers }, redis, log);
    // Warms the cache of decoded S3 objects and the JIT on every route of both listeners; not counted.
    for (const server of [keyed, open]) for (const path of [energyPath, '/v1/climate']) await load('warm-up', `${server.url}${path}`, undefined, 2);
    // Keyed and open alternate, so that load from elsewhere on the machine falls on both alike.
    const paired = async (route: string, path: string) => {
      const keyedRuns: LoadResult[] = [];
      const openRuns: LoadResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        keyedRuns.push(await load(`${route} with key check + throttle (round ${round})`, `${keyed.url}${path}`));
        openRuns.push(await load(`${route} without (round ${round})`, `${open.url}${path}`));
      }
      return { keyed: medianRun(keyedRuns), open: medianRun(openRuns) };
    };
    const energy = await paired('energy', energyPath);
    const climate = await paired('climate', '/v1/climate');
    const energyAtRate = await load(`energy with key at ${fixedRate} req/s`, `${keyed.url}${energyPath}`, fixedRate);
    const climateAtRate = await load(`climate with key at ${fixedRate} req/s`, `${keyed.url}/v1/climate`, fixedRate);
    const [energyKeyed, energyOpen, climateKeyed, climateOpen] = [energy.keyed, energy.open, climate.keyed, climate.open];
    await access.stop();
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const counted = await redis.hget(keys.apiUsage('minute', minute), 'requests');

    const overhead = (keyedRun: LoadResult, openRun: LoadResult) => round((1 - keyedRun.requestsPerSec / openRun.requestsPerSec) * 100, 1);
    const perDay = climateKeyed.requestsPerSec * DAY;
    return {
      api_energy_keyed_req_per_s: Math.round(energyKeyed.requestsPerSec),
      api_energy_open_req_per_s: Math.round(energyOpen.requestsPerSec),
      api_energy_overhead_pct: overhead(energyKeyed, energyOpen),
      api_climate_keyed_req_per_s: Math.round(climateKeyed.requestsPerSec),
      api_climate_open_req_per_s: Math.round(climateOpen.requestsPerSec),
      api_climate_overhead_pct: overhead(climateKeyed, climateOpen),
      api_climate_keyed_cpu_us_per_request: { node: round(climateKeyed.nodeCpuUsPerRequest, 1), redis: round(climateKeyed.redisCpuUsPerRequest, 1) },
      api_climate_open_cpu_us_per_request: { node: round(climateOpen.nodeCpuUsPerRequest, 1), redis: round(climateOpen.redisCpuUsPerRequest, 1) },
      api_energy_keyed_cpu_us_per_request: { node: round(energyKeyed.nodeCpuUsPerRequest, 1), redis: round(energyKeyed.redisCpuUsPerRequest, 1) },
      api_energy_open_cpu_us_per_request: { node: round(energyOpen.nodeCpuUsPerRequest, 1), redis: round(energyOpen.redisCpuUsPerRequest, 1) },
      api_energy_p99_ms_at_rate: energyAtRate.p99Ms,
      api_climate_p99_ms_at_rate: climateAtRate.p99Ms,
      api_fixed_rate: fixedRate,
      api_non2xx: [energyKeyed, energyOpen, climateKeyed, climateOpen, energyAtRate, climateAtRate].reduce((sum, result) => sum + result.non2xx + result.errors, 0),
      api_usage_requests_last_minute: Number(counted ?? 0),
      api_climate_keyed_req_per_day: Math.round(perDay),
      api_times_paper_daily_load: Math.round(perDay / PAPER_REQUESTS_PER_DAY),
      api_connections: connections,
      api_seconds: seconds,
      api_rounds: rounds,
      /** Other work on the machine skews every figure above; the 1-minute load average says how much there was. */
      load_average_1m: round(loadavg()[0]!, 2),
    };
  } finally {
    await access.stop();
    for (const server of servers) await server.close();
    apiRedis.disconnect();
    redis.disconnect();
    await s3.stop();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The same listener with the key check, throttle and usage counters taken out: every request passes as one key. */
function uncheckedAccess(): ClientApiAccess {
  const anyone: ApiKeyRecord = { id: 'key_0000000000000000', name: 'unchecked', created: 0, limitPer5s: Number.MAX_SAFE_INTEGER, devices: null, secretHash: '' };
  return {
    authenticate: async () => anyone,
    throttle: async () => ({ allowed: true, limit: anyone.limitPer5s, remaining: anyone.limitPer5s, resetSeconds: 5 }),
    record: () => undefined,
  };
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function autocannon(
  name: string,
  url: string,
  { seconds, connections, rate, headers }: { seconds: number; connections: number; rate?: number; headers: string[] },
  redis: Redis,
  log: (line: string) => void,
): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-n', '-c', String(connections), '-d', String(seconds), ...headers.flatMap((header) => ['-H', header]), ...(rate === undefined ? [] : ['-R', String(rate)]), url];
  const cpuBefore = process.cpuUsage();
  const redisBefore = await redisCpuSeconds(redis);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const cpu = process.cpuUsage(cpuBefore);
  const redisSeconds = (await redisCpuSeconds(redis)) - redisBefore;
  const result = JSON.parse(stdout) as AutocannonJson;
  const answered = Math.max(1, result.requests.total);
  const figures = {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    nodeCpuUsPerRequest: (cpu.user + cpu.system) / answered,
    redisCpuUsPerRequest: (redisSeconds * 1e6) / answered,
  };
  log(
    `${name}: ${Math.round(figures.requestsPerSec).toLocaleString('en')} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ` +
      `CPU ${figures.nodeCpuUsPerRequest.toFixed(1)} µs Node + ${figures.redisCpuUsPerRequest.toFixed(1)} µs Redis per request, non-2xx ${figures.non2xx}, errors ${figures.errors}`,
  );
  return figures;
}

/** The run with the median request rate (its own latency and CPU figures with it). */
function medianRun(runs: LoadResult[]): LoadResult {
  const sorted = [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
