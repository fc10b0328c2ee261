import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));
const DAY = 86_400;
/** The paper's instance: "over 100k req/day to the APIs". */
const PAPER_REQUESTS_PER_DAY = 100_000;
const ARCHIVED_DAYS = 7;

export interface ApiBenchOptions {
  seconds: number;
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
}

/**
 * `npm run bench -- api`: the client API's energy route (7 archived days from S3, warm cache, plus
 * today from Redis) and climate route, each with the key check, the paper's throttle pipeline and
 * the usage counters, against the same handlers on a listener that skips all three; autocannon in
 * its own process; then p99 at a fixed rate with the key.
 */
export async function runApiBench({ seconds, connections, fixedRate, log }: ApiBenchOptions): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-bench-api-'));
  const embedded = await startEmbeddedRedis({ dataDir, port: 0, persistence: false });
  const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench-api' });
  const s3 = await startBenchS3();
  const keys = createKeySchema({ keyPrefix: '' });
  const servers: ClientApiServer[] = [];
  const access = new ApiAccess(redis, keys, (line) => log(`  api: ${line}`));
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
    const keyed = await startClientApiServer({ backend: clientApiBackend({ redis, keys, config, energyArchive }, access), host: '127.0.0.1', port: 0, log });
    servers.push(keyed);
    const open = await startClientApiServer({ backend: clientApiBackend({ redis, keys, config, energyArchive }, uncheckedAccess()), host: '127.0.0.1', port: 0, log });
    servers.push(open);
    // A limit no run reaches: every request still pays the INCR + EXPIRE + GET pipeline.
    const { key } = await access.store.create({ name: 'bench', limitPer5s: 1_000_000 });
    const headers = [`authorization=Bearer ${key}`];

    const energyPath = `/v1/meters/${deviceId}/energy?from=${today - ARCHIVED_DAYS * DAY}&to=${today + DAY - 1}&interval=3600`;
    const load = (name: string, url: string, rate?: number, runSeconds = seconds) => autocannon(name, url, { seconds: runSeconds, connections: rate === undefined ? connections : 10, rate, headers }, log);
    // Warms the cache of decoded S3 objects and the JIT on every route of both listeners; not counted.
    for (const server of [keyed, open]) for (const path of [energyPath, '/v1/climate']) await load('warm-up', `${server.url}${path}`, undefined, 2);
    const energyKeyed = await load('energy with key check + throttle', `${keyed.url}${energyPath}`);
    const energyOpen = await load('energy without', `${open.url}${energyPath}`);
    const climateKeyed = await load('climate with key check + throttle', `${keyed.url}/v1/climate`);
    const climateOpen = await load('climate without', `${open.url}/v1/climate`);
    const energyAtRate = await load(`energy with key at ${fixedRate} req/s`, `${keyed.url}${energyPath}`, fixedRate);
    const climateAtRate = await load(`climate with key at ${fixedRate} req/s`, `${keyed.url}/v1/climate`, fixedRate);
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
      api_energy_p99_ms_at_rate: energyAtRate.p99Ms,
      api_climate_p99_ms_at_rate: climateAtRate.p99Ms,
      api_fixed_rate: fixedRate,
      api_non2xx: [energyKeyed, energyOpen, climateKeyed, climateOpen, energyAtRate, climateAtRate].reduce((sum, result) => sum + result.non2xx + result.errors, 0),
      api_usage_requests_last_minute: Number(counted ?? 0),
      api_climate_keyed_req_per_day: Math.round(perDay),
      api_times_paper_daily_load: Math.round(perDay / PAPER_REQUESTS_PER_DAY),
      api_connections: connections,
      api_seconds: seconds,
      /** Other work on the machine skews every figure above; the 1-minute load average says how much there was. */
      load_average_1m: round(loadavg()[0]!, 2),
    };
  } finally {
    await access.stop();
    for (const server of servers) await server.close();
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
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function autocannon(name: string, url: string, { seconds, connections, rate, headers }: { seconds: number; connections: number; rate?: number; headers: string[] }, log: (line: string) => void): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-n', '-c', String(connections), '-d', String(seconds), ...headers.flatMap((header) => ['-H', header]), ...(rate === undefined ? [] : ['-R', String(rate)]), url];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout) as AutocannonJson;
  const figures = { requestsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
  log(`${name}: ${Math.round(figures.requestsPerSec).toLocaleString('en')} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${figures.non2xx}, errors ${figures.errors}`);
  return figures;
}
