import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countExportRows, ExportRowCounter } from '../../../core/api/export.js';
import { freePort } from '../../helpers/free-port.js';
import { startRedisServer, type RedisServerProcess } from '../../helpers/redis-server-process.js';
import { runInProject, type CliProcess } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * The bound, on the server as `npm run serve` runs it (the built cli, --max-semi-space-size=64)
 * against a real redis-server holding 1,000,000 SensorData entries and their device hashes: the
 * export streams every one, and the server's RSS, sampled every 100 ms while it streams, grows by
 * less than 50 MB (the export thread is started with the server, its cost is in the baseline). Then
 * what a slow client and one that goes away do to the Redis reads behind it.
 */
const ROWS = 1_000_000;
const RSS_BOUND_BYTES = 50 * 1024 * 1024;
const FIRST_SCORE = 1_700_000_000_000;

let dataDir: TempDir;
let redisServer: RedisServerProcess;
let redis: Redis;
let serve: CliProcess;
let origin: string;
let token: string;

/** Fills Redis inside Redis (a script per 50,000 devices): quicker than a million round trips. */
const FILL = `
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local id = 'dev-' .. i
  local ts = tonumber(ARGV[3]) + i
  redis.call('HSET', id, 'temperature', tostring(60 + i % 40), 'humidity', tostring(i % 100), 'climate', 'warm',
    'deviceIP', '10.0.' .. (i % 250) .. '.' .. (i % 200), 'timestamp', tostring(ts), 'requestId', (i % 1000 == 0) and ('say "hi", twice\\n' .. i) or ('req-' .. i))
  redis.call('ZADD', KEYS[1], ts, id)
end
return 0`;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-export-million-');
  redisServer = await startRedisServer({ port: await freePort(), dir: dataDir.path, appendonly: false });
  redis = new Redis(redisServer.url);
  for (let start = 0; start < ROWS; start += 50_000) await redis.eval(FILL, 1, 'SensorData', start, Math.min(ROWS, start + 50_000) - 1, FIRST_SCORE);
  serve = runInProject(process.execPath, [
    '--max-semi-space-size=64',
    'scripts/serve.mjs',
    '--redis-url', redisServer.url,
    '--data-dir', `${dataDir.path}/workbench`,
    '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0', '--no-api',
  ]);
  const http = new URL((await serve.ready(240_000)).http);
  origin = http.origin;
  token = http.searchParams.get('token')!;
}, 300_000);

afterAll(async () => {
  await serve?.kill();
  redis?.disconnect();
  await redisServer?.stop();
  await dataDir?.remove();
});

function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function zrangeCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/^cmdstat_zrange:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

function exportEvents(signal?: AbortSignal): Promise<Response> {
  return fetch(`${origin}/api/export/events?format=csv&from=0&to=${FIRST_SCORE + ROWS}`, { headers: { authorization: `Bearer ${token}` }, signal });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a 1,000,000-row CSV export from a real redis-server', () => {
  it('streams every row, as many as ZCOUNT says, with the server RSS growing < 50 MB while it streams', async () => {
    const pid = serve.child.pid!;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
    const started = performance.now();
    const answer = await exportEvents();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-export-total')).toBe(String(ROWS));
    const { rows, bytes } = await countExportRows(answer.body!, 'csv');
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    const growth = peak - baseline;
    console.log(`export: ${ROWS} rows, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s); server RSS ${(baseline / 2 ** 20).toFixed(0)} MB, peak +${(growth / 2 ** 20).toFixed(1)} MB`);
    expect(rows).toBe(ROWS);
    expect(growth).toBeLessThan(RSS_BOUND_BYTES);
  }, 240_000);

  it('a client that stops reading holds the Redis reads back: they stop within a few chunks and go on when it reads again', async () => {
    const answer = await exportEvents();
    const reader = answer.body!.getReader();
    const before = await zrangeCalls();
    await reader.read();
    // The kernel's socket buffers fill first (megabytes on loopback); then the reads stop.
    let paused = -1;
    await waitUntil('the Redis reads to stop while the client waits', async () => {
      const now = await zrangeCalls();
      const still = now === paused;
      paused = now;
      return still;
    }, { timeoutMs: 20_000, intervalMs: 700 });
    await sleep(1500);
    expect(await zrangeCalls()).toBe(paused);
    // What was read ahead is what the sockets hold: a small part of the million rows (2,000 pages of 500).
    expect(paused - before).toBeLessThan(400);
    let rows = 0;
    const counter = new ExportRowCounter('csv');
    for (let step = 0; step < 50; step++) {
      const { value, done } = await reader.read();
      if (done) break;
      rows = counter.add(value);
    }
    await reader.cancel();
    expect(rows).toBeGreaterThan(0);
  }, 60_000);

  it('a client that goes away stops the reads', async () => {
    const abort = new AbortController();
    const answer = await exportEvents(abort.signal);
    const reader = answer.body!.getReader();
    await reader.read();
    abort.abort();
    await sleep(1000);
    const after = await zrangeCalls();
    await sleep(1500);
    expect(await zrangeCalls()).toBe(after);
    // Far fewer than the million rows' 2,000 pages were read for it.
    expect(after).toBeLessThan(2 * (ROWS / 500));
  }, 60_000);
});
