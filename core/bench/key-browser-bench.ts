import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { ChainableCommander, Redis } from 'ioredis';
import type { CDPSession, Page } from '@playwright/test';
import { configSchema } from '../config/schema.js';
import { meterId, meterReading } from '../emulator/meter-generator.js';
import { thermostatGenerator } from '../emulator/thermostat-generator.js';
import { classifyClimate } from '../model/climate.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import { createKeySchema, type KeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { ApiClient } from '../api/api-client.js';
import type { KeyPage } from '../api/keys.js';
import { Stack } from '../app/stack.js';
import { LONG_TASK_PROBE } from './ui-load.js';

export interface KeyBrowserBenchSettings {
  /** Keys the Redis holds while the browser is measured. */
  keys: number;
  /** Repetitions of each timed request. */
  runs: number;
  chromium: string;
  log: (line: string) => void;
}

const DAY = 86_400;
/** Commands per pipeline while filling: one round trip per 10,000 keys. */
const FILL_BATCH = 10_000;
const FILL_PROGRESS_EVERY = 100_000;
/** What the Keys page asks for per step (the API's default count), and the bigger pages of the whole walk. */
const PAGE_KEYS = 100;
const WALK_PAGE_KEYS = 1000;
const SHORT_WALK_PAGES = 100;
/** The placeholder the Keys page shows; nothing in the fill is named like it. */
const MATCH_NOTHING = 'sensor:*';
const UI_TARGET_KEYS = 10_000;
/** Where a long task starts to feel like a frozen window. */
const FREEZE_MS = 200;
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const mb = (bytes: number) => round(bytes / 1e6, 1);
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
    const api = new ApiClient({ origin: new URL(stack.addresses().http).origin, token: stack.token });

    const pages = await apiPagePhase(api, settings.runs, log);
    const memory = await memoryPhase(api, embedded.url, log);
    const baseline = await keysStarPhase(redis, embedded.url, settings.runs, log);
    const ui = await uiPhase(stack.addresses().http, hasRenderer, settings.chromium, log);
    return { keys_total: await redis.dbsize(), keys_fill_per_s: Math.round(fill.keysPerSec), ...pages, ...baseline, ...memory, ...ui };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: Error) => log(`  keys: cleanup failed: ${error.message}`));
  }
}

interface FillContext {
  keys: KeySchema;
  /** The first of the two days of energy buckets each meter has. */
  firstDay: number;
  now: number;
  nextThermostat: ReturnType<typeof thermostatGenerator>;
}

type KeyWriter = (pipeline: ChainableCommander, ordinal: number, context: FillContext) => void;

/** Two daily bucket lists per meter, each holding one reading, as ingest leaves them. */
const energyBucket: KeyWriter = (pipeline, ordinal, { keys, firstDay }) => {
  const deviceId = meterId(Math.floor(ordinal / 2) + 1);
  const bucketStart = firstDay + (ordinal % 2) * DAY;
  pipeline.rpush(keys.energyBucket(deviceId, bucketStart), JSON.stringify(meterReading(deviceId, bucketStart, 300)));
};

const meterDevice: KeyWriter = (pipeline, ordinal, { keys, now }) => {
  pipeline.hset(keys.meterDevice(meterId(ordinal + 1)), 'kind', 'meter', 'firstSeen', now - 2 * DAY * 1000, 'lastSeen', now, 'readings', 2, 'transport', 'udp');
};

/** The source document's thermostat hash, named by the bare numeric device id: the emulator's values, a distinct id per key. */
const thermostatDevice: KeyWriter = (pipeline, ordinal, { keys, now, nextThermostat }) => {
  const { temperature, deviceIP, humidity } = nextThermostat();
  const climate = classifyClimate(temperature);
  pipeline.hset(keys.deviceHash(String(ordinal + 1)), { temperature, deviceIP, humidity, climate, timestamp: now, requestId: ordinal });
};

/** Web sessions expiring within a day: the kind of key a shared Redis is full of. */
const session: KeyWriter = (pipeline, ordinal, { now }) => {
  pipeline.set(`session:${randomUUID()}`, JSON.stringify({ user: `u${ordinal % 50_000}`, createdAt: now }), 'EX', 3600 + (ordinal % DAY));
};

/** Work queues of the three collection types SCAN's TYPE filter tells apart. */
const queue: KeyWriter = (pipeline, ordinal, { now }) => {
  const key = `queue:${ordinal}`;
  if (ordinal % 3 === 0) pipeline.zadd(key, now, 'job:1', now + 1, 'job:2', now + 2, 'job:3');
  else if (ordinal % 3 === 1) pipeline.sadd(key, 'worker:1', 'worker:2', 'worker:3');
  else pipeline.xadd(key, '*', 'job', String(ordinal), 'at', String(now));
};

/** Each ten consecutive keys of the fill: 4 energy buckets, 2 meter hashes, 2 thermostat hashes, a session, a queue. */
const KEY_MIX: Array<{ write: KeyWriter; share: number }> = [
  { write: energyBucket, share: 4 },
  { write: meterDevice, share: 2 },
  { write: thermostatDevice, share: 2 },
  { write: session, share: 1 },
  { write: queue, share: 1 },
];

/** Key `index` of the fill: its kind from `index % 10`, and which one of that kind it is. */
function writeKey(pipeline: ChainableCommander, index: number, context: FillContext): void {
  const tens = Math.floor(index / 10);
  let slot = index % 10;
  for (const { write, share } of KEY_MIX) {
    if (slot < share) return write(pipeline, tens * share + slot, context);
    slot -= share;
  }
}

async function fillKeyspace(redis: Redis, total: number, log: (line: string) => void): Promise<{ keysPerSec: number }> {
  const now = Date.now();
  const context: FillContext = {
    keys: createKeySchema({ keyPrefix: '' }),
    firstDay: bucketStartOf(Math.floor(now / 1000) - 2 * DAY, DAY),
    now,
    nextThermostat: thermostatGenerator({ devices: 5000 }),
  };
  await redis.flushall();
  const started = performance.now();
  for (let from = 0; from < total; from += FILL_BATCH) {
    const pipeline = redis.pipeline();
    const to = Math.min(total, from + FILL_BATCH);
    for (let index = from; index < to; index++) writeKey(pipeline, index, context);
    throwFirstError(await pipeline.exec());
    if (to % FILL_PROGRESS_EVERY === 0 && to < total) log(`  fill: ${to.toLocaleString('en')} keys, ${Math.round(to / ((performance.now() - started) / 1000)).toLocaleString('en')} keys/s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const keysPerSec = total / seconds;
  log(`fill: ${total.toLocaleString('en')} keys in ${seconds.toFixed(1)} s, ${Math.round(keysPerSec).toLocaleString('en')} keys/s (pipelines of ${FILL_BATCH.toLocaleString('en')})`);
  return { keysPerSec };
}

function throwFirstError(replies: Array<[Error | null, unknown]> | null): void {
  const failed = replies?.find(([error]) => error);
  if (failed) throw failed[0]!;
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

interface LongTasks {
  count: number;
  totalMs: number;
  longestMs: number;
}


async function takeLongTasks(page: Page): Promise<LongTasks> {
  // Long-task entries are delivered after the task ends; a short idle lets the last one arrive.
  await page.waitForTimeout(250);
  return (await page.evaluate('(() => { const tasks = window.__longTasks; window.__longTasks = { count: 0, totalMs: 0, longestMs: 0 }; return tasks; })()')) as LongTasks;
}

/** Live JS heap after a collection, so two readings differ by what the page holds rather than by garbage. */
async function jsHeapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return mb(metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0);
}

/**
 * The Keys page in Chromium: Scan, then Scan more until 10,000 keys are in the tree, then a few
 * folders opened and the tree scrolled end to end, with the page's long tasks counted per step.
 */
async function uiPhase(url: string, hasRenderer: boolean, chromiumPath: string, log: (line: string) => void): Promise<Record<string, unknown>> {
  const skipped = uiSkipReason(hasRenderer, chromiumPath);
  if (skipped) {
    log(`keys UI: skipped, ${skipped}`);
    return { keys_ui_skipped: skipped };
  }
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.addInitScript(LONG_TASK_PROBE);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await page.getByRole('button', { name: 'Scan', exact: true }).waitFor();
    const heapBeforeMb = await jsHeapMb(cdp);
    await takeLongTasks(page);
    const load = await scanUntil(page, UI_TARGET_KEYS);
    const loadTasks = await takeLongTasks(page);
    const heapLoadedMb = await jsHeapMb(cdp);
    log(
      `keys UI: ${load.found.toLocaleString('en')} keys in the tree after ${load.requests} scans in ${load.ms.toFixed(0)} ms; ` +
        `long tasks ${loadTasks.count} (longest ${loadTasks.longestMs.toFixed(0)} ms, total ${loadTasks.totalMs.toFixed(0)} ms); JS heap ${heapBeforeMb} → ${heapLoadedMb} MB`,
    );
    const rows = await expandFolders(page);
    const expandTasks = await takeLongTasks(page);
    const scroll = await scrollTree(page);
    const scrollTasks = await takeLongTasks(page);
    const heapScrolledMb = await jsHeapMb(cdp);
    log(
      `keys UI: ${EXPANDED_FOLDERS.length} folders opened (${rows.toLocaleString('en')} rows): long tasks ${expandTasks.count} (longest ${expandTasks.longestMs.toFixed(0)} ms); ` +
        `scrolled ${scroll.px.toLocaleString('en')} px in ${scroll.ms.toFixed(0)} ms: long tasks ${scrollTasks.count} (longest ${scrollTasks.longestMs.toFixed(0)} ms); JS heap ${heapScrolledMb} MB; ` +
        `${Math.max(loadTasks.longestMs, expandTasks.longestMs, scrollTasks.longestMs) > FREEZE_MS ? `a task over ${FREEZE_MS} ms froze the page` : `no task over ${FREEZE_MS} ms`}`,
    );
    return {
      keys_ui_keys_loaded: load.found,
      keys_ui_scan_requests: load.requests,
      keys_ui_scan_to_10k_ms: Math.round(load.ms),
      keys_ui_load_long_tasks: loadTasks.count,
      keys_ui_load_longest_task_ms: Math.round(loadTasks.longestMs),
      keys_ui_load_long_task_total_ms: Math.round(loadTasks.totalMs),
      keys_ui_heap_before_mb: heapBeforeMb,
      keys_ui_heap_loaded_mb: heapLoadedMb,
      keys_ui_expanded_rows: rows,
      keys_ui_expand_longest_task_ms: Math.round(expandTasks.longestMs),
      keys_ui_scroll_px: scroll.px,
      keys_ui_scroll_ms: Math.round(scroll.ms),
      keys_ui_scroll_long_tasks: scrollTasks.count,
      keys_ui_scroll_longest_task_ms: Math.round(scrollTasks.longestMs),
      keys_ui_scroll_long_task_total_ms: Math.round(scrollTasks.totalMs),
      keys_ui_heap_scrolled_mb: heapScrolledMb,
    };
  } finally {
    await browser.close();
  }
}

/** Why the UI part cannot run here, if it cannot: it needs the built renderer and a Chromium. */
function uiSkipReason(hasRenderer: boolean, chromiumPath: string): string | null {
  if (!hasRenderer) return `no built renderer in ${RENDERER_DIR}: run npm run build first`;
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}: pass --chromium <path>`;
  return null;
}

/**
 * Scan, then Scan more as soon as each answer is in the tree, until `target` keys are or the walk is
 * complete. Run inside the page: Playwright's click waits for the button to be stable and enabled
 * (some 60 ms a click here), which would time Playwright rather than the page. Kept as a string so
 * tsx's helpers (it wraps named functions in __name) do not end up in code the page runs.
 */
const SCAN_UNTIL = `async (target) => {
  const summary = () => document.querySelector('[data-testid="scan-summary"]')?.textContent ?? '';
  // "12,345 keys found, …" in the page's locale: the digits are what count.
  const found = () => Number(summary().split(' keys found')[0].replace(/\\D/g, ''));
  const button = (name) => [...document.querySelectorAll('button')].find((one) => one.textContent === name);
  const failure = () => [...document.querySelectorAll('[role="alert"]')].find((one) => one.textContent.startsWith('Could not scan'))?.textContent;
  const until = (condition) =>
    new Promise((resolve) => {
      if (condition()) return resolve();
      const observer = new MutationObserver(() => {
        if (!condition()) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  const started = performance.now();
  let requests = 0;
  let shown = summary();
  do {
    const next = button(requests === 0 ? 'Scan' : 'Scan more');
    await until(() => !next.disabled);
    next.click();
    requests += 1;
    // The summary counts keys and keys examined, so every answered step changes it.
    await until(() => summary() !== shown || failure());
    if (failure()) throw new Error(failure());
    shown = summary();
  } while (found() < target && !shown.includes('complete'));
  return { found: found(), requests, ms: performance.now() - started };
}`;

async function scanUntil(page: Page, target: number): Promise<{ found: number; requests: number; ms: number }> {
  return (await page.evaluate(`(${SCAN_UNTIL})(${target})`)) as { found: number; requests: number; ms: number };
}

/**
 * Opened in this order so each folder is still in view (the tree renders only the rows in view):
 * a folder's rows push down only the folders after it.
 */
const EXPANDED_FOLDERS = ['session:', 'queue:', 'backend:', 'backend:dev:', 'backend:dev:energy:', 'backend:dev:devices:'];

/** Opens the folders and answers the rows the tree then shows. */
async function expandFolders(page: Page): Promise<number> {
  for (const prefix of EXPANDED_FOLDERS) await page.locator(`[data-testid="key-folder"][title="${prefix}*"]`).click();
  const shown = (await page.getByText(/rows shown$/).textContent()) ?? '';
  return Number(shown.replace(/\D/g, ''));
}

const WHEEL_STEP_PX = 600;
/** About one wheel event a frame, as a fast scroll gesture sends them. */
const WHEEL_INTERVAL_MS = 16;

/** Wheels the tree from top to bottom. */
async function scrollTree(page: Page): Promise<{ px: number; ms: number }> {
  const tree = page.getByTestId('key-tree');
  const scrollable = await tree.evaluate((box) => box.scrollHeight - box.clientHeight);
  await tree.hover();
  const started = performance.now();
  for (let wheeled = 0; wheeled < scrollable; wheeled += WHEEL_STEP_PX) {
    await page.mouse.wheel(0, WHEEL_STEP_PX);
    await page.waitForTimeout(WHEEL_INTERVAL_MS);
  }
  await page.waitForFunction((end) => (document.querySelector('[data-testid="key-tree"]')?.scrollTop ?? 0) >= end - 1, scrollable);
  return { px: scrollable, ms: performance.now() - started };
}
