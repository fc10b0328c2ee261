import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { configSchema } from '../config/schema.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { ApiClient } from '../api/api-client.js';
import type { KeyPage } from '../api/keys.js';
import { Stack } from '../app/stack.js';

import { fillKeyspace } from './keyspace-fill.js';
import { mb, RENDERER_DIR, uiPhase } from './key-browser-ui-phase.js';
export interface KeyBrowserBenchSettings {
  /** Keys the Redis holds while the browser is measured. */
  keys: number;
  /** Repetitions of each timed request. */
  runs: number;
  chromium: string;
  log: (line: string) => void;
}

/** What the Keys page asks for per step (the API's default count), and the bigger pages of the whole walk. */
const PAGE_KEYS = 100;
const WALK_PAGE_KEYS = 1000;
const SHORT_WALK_PAGES = 100;
/** The placeholder the Keys page shows; nothing in the fill is named like it. */
const MATCH_NOTHING = 'sensor:*';

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `npm run bench -- --suite keys`: the key browser (SCAN a page at a time over HTTP, and the Keys page
 * in Chromium) against a Redis holding `keys` keys, next to what a naive browser does: KEYS *.
 */
export async function runKeyBrowserBench(settings: KeyBrowserBenchSettings): Promise<Record<string, unknown>> {
  const { log } = settings;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), 'sw-bench-keys-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const embedded = await startEmbeddedRedis({ dataDir: dir, port: 0, persistence: false });
    cleanup.push(() => embedded.stop());
    const redis = await openRedis(embedded.url, { connectionName: 'sensor-workbench:bench-keys' });
    cleanup.push(async () => redis.disconnect());
    log(`keys: redis ${embedded.binary} (no persistence), ${settings.keys.toLocaleString('en')} keys, ${settings.runs} runs per timed request`);
    const fill = await fillKeyspace(redis, settings.keys, log);

    const config = configSchema.parse({ dataDir: join(dir, 'stack'), redis: { url: embedded.url }, http: { port: 0 }, mqtt: { port: 0 }, energy: { udpPort: 0 }, readOnly: true });
    const hasRenderer = existsSync(join(RENDERER_DIR, 'index.html'));
    const stack = await Stack.start(config, { log: (line) => log(`  stack: ${line}`), rendererDir: hasRenderer ? RENDERER_DIR : null });
    cleanup.push(() => stack.stop());
    const api = new ApiClient({ origin: new URL(stack.addresses().http!).origin, token: stack.token });

    const pages = await apiPagePhase(api, settings.runs, log);
    const memory = await memoryPhase(api, embedded.url, log);
    const baseline = await keysStarPhase(redis, embedded.url, settings.runs, log);
    const ui = await uiPhase(stack.addresses().http!, hasRenderer, settings.chromium, log);
    return { keys_total: await redis.dbsize(), keys_fill_per_s: Math.round(fill.keysPerSec), ...pages, ...baseline, ...memory, ...ui };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: Error) => log(`  keys: cleanup failed: ${error.message}`));
  }
}

interface Timings {
  p50: number;
  p95: number;
  max: number;
}

function timings(values: number[]): Timings {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
}

const formatTimings = ({ p50, p95, max }: Timings) => `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`;

async function timeRequests(runs: number, request: () => Promise<KeyPage>): Promise<{ timings: Timings; last: KeyPage }> {
  const times: number[] = [];
  let last: KeyPage | null = null;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    last = await request();
    times.push(performance.now() - started);
  }
  return { timings: timings(times), last: last! };
}

/** A first page of the key browser over HTTP: everything, a sparse MATCH, and a MATCH that hits nothing (the maxExamined cap). */
async function apiPagePhase(api: ApiClient, runs: number, log: (line: string) => void): Promise<Record<string, number>> {
  const requests = {
    all: () => api.keys({ count: PAGE_KEYS }),
    sparse: () => api.keys({ count: PAGE_KEYS, match: 'session:*' }),
    none: () => api.keys({ count: PAGE_KEYS, match: MATCH_NOTHING }),
  };
  // A round not counted: the first few dozen requests run before V8 has optimized the path (five times slower here).
  for (const request of Object.values(requests)) await timeRequests(runs, request);
  const all = await timeRequests(runs, requests.all);
  const sparse = await timeRequests(runs, requests.sparse);
  const none = await timeRequests(runs, requests.none);
  const describe = (page: KeyPage) => `${page.keys.length} keys, ${page.examined.toLocaleString('en')} examined, cursor ${page.cursor === '0' ? 'done' : 'continues'}`;
  log(`keys API first page (count=${PAGE_KEYS}): ${formatTimings(all.timings)}; ${describe(all.last)}`);
  log(`keys API match=session:*: ${formatTimings(sparse.timings)}; ${describe(sparse.last)}`);
  log(`keys API match=${MATCH_NOTHING} (no such keys): ${formatTimings(none.timings)}; ${describe(none.last)}`);
  return {
    keys_api_first_page_p50_ms: round(all.timings.p50, 1),
    keys_api_first_page_p95_ms: round(all.timings.p95, 1),
    keys_api_first_page_max_ms: round(all.timings.max, 1),
    keys_api_match_sparse_p50_ms: round(sparse.timings.p50, 1),
    keys_api_match_sparse_p95_ms: round(sparse.timings.p95, 1),
    keys_api_match_sparse_max_ms: round(sparse.timings.max, 1),
    keys_api_match_sparse_examined: sparse.last.examined,
    keys_api_match_none_p50_ms: round(none.timings.p50, 1),
    keys_api_match_none_p95_ms: round(none.timings.p95, 1),
    keys_api_match_none_max_ms: round(none.timings.max, 1),
    keys_api_match_none_examined: none.last.examined,
  };
}

/**
 * The bench runs without --expose-gc (npm run bench passes only --max-semi-space-size). Setting the
 * flag at run time does not add gc() to the global that already exists, but a context created after
 * it has one; that function collects the whole isolate's heap, so heap figures are live data only.
 */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface MemorySample {
  heapMb: number;
  rssMb: number;
}

function sampleMemory(gc: () => void): MemorySample {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: mb(heapUsed), rssMb: mb(rss) };
}

/** Keys listed by walking `pages` pages (or all of them when null) from cursor 0. */
async function walkPages(api: ApiClient, count: number, pages: number | null): Promise<number> {
  let cursor = '0';
  let seen = 0;
  for (let page = 0; pages === null || page < pages; page++) {
    const answer = await api.keys({ cursor, count });
    seen += answer.keys.length;
    cursor = answer.cursor;
    if (cursor === '0') break;
  }
  return seen;
}

/**
 * The workbench process's heap and RSS (the stack runs in this process) before browsing, after 100
 * pages, and after walking the whole keyspace: flat, since the server keeps nothing between pages.
 * A second client PINGs Redis throughout the whole walk, to show the walk never blocks anyone.
 */
async function memoryPhase(api: ApiClient, redisUrl: string, log: (line: string) => void): Promise<Record<string, number>> {
  const gc = exposeGc();
  const before = sampleMemory(gc);
  await walkPages(api, PAGE_KEYS, SHORT_WALK_PAGES);
  const afterPages = sampleMemory(gc);
  const pinger = await startPinger(redisUrl);
  const started = performance.now();
  const seen = await walkPages(api, WALK_PAGE_KEYS, null);
  const seconds = (performance.now() - started) / 1000;
  const pings = await pinger.stop();
  const afterWalk = sampleMemory(gc);
  const line = ({ heapMb, rssMb }: MemorySample) => `heap ${heapMb} MB, RSS ${rssMb} MB`;
  log(`workbench memory after GC: before browsing ${line(before)}; after ${SHORT_WALK_PAGES} pages of ${PAGE_KEYS} ${line(afterPages)}; after the whole walk ${line(afterWalk)}`);
  log(
    `whole keyspace walk (count=${WALK_PAGE_KEYS}): ${seen.toLocaleString('en')} keys in ${seconds.toFixed(1)} s, ${Math.round(seen / seconds).toLocaleString('en')} keys/s; ` +
      `concurrent PING ${formatTimings(pings)} (${pings.count} pings)`,
  );
  return {
    keys_heap_before_mb: before.heapMb,
    keys_heap_after_100_pages_mb: afterPages.heapMb,
    keys_heap_after_walk_mb: afterWalk.heapMb,
    keys_rss_before_mb: before.rssMb,
    keys_rss_after_100_pages_mb: afterPages.rssMb,
    keys_rss_after_walk_mb: afterWalk.rssMb,
    keys_walk_keys_seen: seen,
    keys_walk_s: round(seconds, 1),
    keys_walk_keys_per_s: Math.round(seen / seconds),
    keys_ping_during_walk_p50_ms: round(pings.p50, 2),
    keys_ping_during_walk_max_ms: round(pings.max, 2),
  };
}

/**
 * The naive browser: KEYS *, of which it shows the first 100, straight over ioredis. Redis runs one
 * command at a time, so the server-side time of KEYS (INFO commandstats) is how long every other
 * client waits; a PING sent meanwhile from another connection shows it.
 */
async function keysStarPhase(redis: Redis, redisUrl: string, runs: number, log: (line: string) => void): Promise<Record<string, number>> {
  // The PING run comes first and doubles as the warm-up of the timed runs.
  const pinger = await startPinger(redisUrl);
  await sleep(50);
  await redis.keys('*');
  const pings = await pinger.stop();
  const statsBefore = await keysCommandStats(redis);
  const times: number[] = [];
  let reply: string[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    reply = await redis.keys('*');
    times.push(performance.now() - started);
  }
  const statsAfter = await keysCommandStats(redis);
  const serverMs = (statsAfter.usec - statsBefore.usec) / (statsAfter.calls - statsBefore.calls) / 1000;
  const replyBytes = respArrayBytes(reply);
  const client = timings(times);
  log(
    `baseline KEYS * for a first page of ${PAGE_KEYS}: ${formatTimings(client)}; Redis busy ${serverMs.toFixed(1)} ms per call; ` +
      `reply ${reply.length.toLocaleString('en')} keys, ${mb(replyBytes)} MB; a concurrent PING waited up to ${pings.max.toFixed(1)} ms`,
  );
  return {
    keys_baseline_keys_star_p50_ms: round(client.p50, 1),
    keys_baseline_keys_star_p95_ms: round(client.p95, 1),
    keys_baseline_keys_star_max_ms: round(client.max, 1),
    keys_baseline_server_blocked_ms: round(serverMs, 1),
    keys_baseline_reply_mb: mb(replyBytes),
    keys_ping_during_keys_star_max_ms: round(pings.max, 1),
  };
}

async function keysCommandStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const match = /^cmdstat_keys:calls=(\d+),usec=(\d+)/m.exec(await redis.info('commandstats'));
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

/** The RESP2 array reply's size on the wire: `*<n>\r\n`, then `$<length>\r\n<key>\r\n` per key. */
function respArrayBytes(items: string[]): number {
  let bytes = `*${items.length}\r\n`.length;
  for (const item of items) {
    const length = Buffer.byteLength(item);
    bytes += String(length).length + length + 5;
  }
  return bytes;
}

/**
 * PINGs one after another (2 ms apart) on a raw socket in a worker thread: its own event loop, so
 * the latencies are Redis's, not this thread's while it parses a KEYS reply or serves HTTP.
 */
const PINGER_SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { connect } = require('node:net');
  const latencies = [];
  let sentAt = 0;
  let stopping = false;
  const socket = connect(workerData.port, workerData.host);
  socket.setNoDelay(true);
  const ping = () => {
    sentAt = performance.now();
    socket.write('PING\\r\\n');
  };
  socket.on('connect', () => {
    parentPort.postMessage('ready');
    ping();
  });
  socket.on('data', () => {
    latencies.push(performance.now() - sentAt);
    if (!stopping) return void setTimeout(ping, 2);
    socket.end();
    parentPort.postMessage(latencies);
  });
  parentPort.on('message', () => (stopping = true));
`;

async function startPinger(redisUrl: string): Promise<{ stop(): Promise<Timings & { count: number }> }> {
  const { hostname, port } = new URL(redisUrl);
  const worker = new Worker(PINGER_SOURCE, { eval: true, workerData: { host: hostname, port: Number(port) } });
  await nextMessage(worker);
  return {
    stop: async () => {
      const latencies = nextMessage<number[]>(worker);
      worker.postMessage('stop');
      const values = await latencies;
      await worker.terminate();
      return { ...timings(values), count: values.length };
    },
  };
}

/** The worker's next message; its error (say, Redis closing the socket) instead, so nobody waits forever. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
