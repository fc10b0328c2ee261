import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexEntry, type IndexDefinition } from '../../../core/domain/index-definition.js';
import { IngestCounters } from '../../../core/ingest/ingest-figures.js';
import { WriteBuffer } from '../../../core/ingest/write-buffer.js';
import { classifyClimate } from '../../../core/model/climate.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { thermostatWrites } from '../../../core/model/thermostat-persist.js';
import type { ThermostatReading } from '../../../core/model/thermostat-reading.js';
import { IndexBuilds, type IndexBuildSettings } from '../../../core/query/index-builds.js';
import { CommandTable, enforceReadOnly } from '../../../core/redis/command-table.js';
import { redisClient } from '../../helpers/redis-client.js';
import { runInProject } from '../../helpers/serve-process.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

const DEVICES = 100_000;
const keys = createKeySchema({ keyPrefix: '' });

let server: TestRedis;
let redis: Redis;

function reading(device: number): ThermostatReading {
  const temperature = 50 + Math.floor(Math.random() * 50);
  return {
    deviceId: String(device),
    temperature,
    humidity: 40,
    deviceIP: `10.${device % 7}.${device % 5}.${device % 250}`,
    climate: classifyClimate(temperature),
    timestamp: Date.now(),
    requestId: `r${device}`,
  };
}

/** 100,000 thermostat hashes, written by the ingest's own batch script. */
async function fillThermostats(): Promise<void> {
  for (let first = 1; first <= DEVICES; first += 5000) {
    const batch = Array.from({ length: 5000 }, (_, i) => reading(first + i));
    const [[name, ...args]] = thermostatWrites(batch, keys) as [[string, ...(string | number)[]]];
    await redis.call(name, ...args);
  }
}

/** The real write buffer fed ~5,000 readings/s for random devices, so their climate keeps changing. */
function liveIngest() {
  const buffer = new WriteBuffer({ redis: redisClient(server.url), keys, counters: new IngestCounters(), bufferLimit: 200_000, maxBatch: 5000, deadLetterCap: 10, bucketSeconds: 86_400, log: () => undefined });
  let offered = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 50; i += 1) {
      buffer.offerReading({ ...reading(1 + Math.floor(Math.random() * DEVICES)), receivedAt: performance.now() }, null);
      offered += 1;
    }
  }, 10);
  return {
    get offered() {
      return offered;
    },
    async stop() {
      clearInterval(timer);
      expect(await buffer.drain(10_000)).toMatchObject({ thermostats: [] });
    },
  };
}

/** What the index should hold, from a full SCAN and HGET of every hash: key → entry. */
async function truth(definition: Pick<IndexDefinition, 'kind' | 'transform' | 'field'>): Promise<Map<string, string | number>> {
  const expected = new Map<string, string | number>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'COUNT', 2000);
    const hashes = found.filter((key) => !key.startsWith(keys.indexKeysPrefix) && /^\d+$/.test(key));
    const pipeline = redis.pipeline();
    for (const key of hashes) pipeline.hget(key, definition.field);
    const values = (await pipeline.exec())!;
    hashes.forEach((key, i) => {
      const entry = indexEntry(definition, values[i]![1] as string | null);
      if (entry !== null) expected.set(key, entry);
    });
    cursor = next;
  } while (cursor !== '0');
  return expected;
}

/** The index's content: key → entry, and keys held by more than one set. */
async function indexContent(name: string, kind: 'set' | 'zset'): Promise<{ entries: Map<string, string | number>; duplicates: number }> {
  const entries = new Map<string, string | number>();
  let duplicates = 0;
  if (kind === 'zset') {
    const flat = await redis.zrange(keys.indexSortedSet(name), 0, -1, 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) entries.set(flat[i]!, Number(flat[i + 1]));
    return { entries, duplicates };
  }
  for (const value of await redis.smembers(keys.indexValues(name))) {
    for (const member of await redis.smembers(keys.indexValueSet(name, value))) {
      if (entries.has(member)) duplicates += 1;
      entries.set(member, value);
    }
  }
  return { entries, duplicates };
}

async function compareWithTruth(definition: Pick<IndexDefinition, 'name' | 'kind' | 'transform' | 'field'>) {
  const [expected, { entries, duplicates }] = await Promise.all([truth(definition), indexContent(definition.name, definition.kind)]);
  let missing = 0;
  let stale = duplicates;
  for (const [key, entry] of expected) if (entries.get(key) !== entry) missing += 1;
  for (const [key, entry] of entries) if (expected.get(key) !== entry) stale += 1;
  return { missing, stale, expected: expected.size };
}

function builds(settings: Partial<IndexBuildSettings> = {}, buildRefusal: string | null = null, client: Redis = redis): IndexBuilds {
  return new IndexBuilds({ redis: client, keys, settings: { rate: 50_000, scanCount: 500, ...settings }, buildRefusal, log: () => undefined });
}

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  await fillThermostats();
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('an unforeseen index over 100,000 thermostat hashes', () => {
  it('built under a live ingest of 5,000 readings/s equals a full scan, after the build and after more readings', async () => {
    const indexes = builds();
    const ingest = liveIngest();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const startedAt = Date.now();
    await indexes.define({ name: 'climate', match: '*', field: 'climate', kind: 'set' });
    const offeredAtStart = ingest.offered;
    await indexes.settled('climate');
    const buildMs = Date.now() - startedAt;
    const offeredDuringBuild = ingest.offered - offeredAtStart;
    await ingest.stop();

    const status = await indexes.status('climate');
    expect(status).toMatchObject({ state: 'ready', live: true, cursor: '0' });
    expect(status.scanned).toBeGreaterThanOrEqual(DEVICES);
    // The ingest really ran alongside: ~5 readings per ms of the build.
    expect(offeredDuringBuild).toBeGreaterThan(buildMs * 3);
    expect(await compareWithTruth({ name: 'climate', kind: 'set', transform: 'none', field: 'climate' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    expect(status.entries).toBe(DEVICES);

    const more = liveIngest();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await more.stop();
    expect(more.offered).toBeGreaterThan(5000);
    expect(await compareWithTruth({ name: 'climate', kind: 'set', transform: 'none', field: 'climate' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    const report = await indexes.verify('climate', false);
    expect(report).toMatchObject({ missing: 0, stale: 0, checked: DEVICES });
    // Every key SCAN returns is looked at: the hashes and the few keys beside them (SensorData, the counters).
    expect(report.scanned).toBeGreaterThanOrEqual(DEVICES);
    await indexes.drop('climate');
    expect(await redis.keys('workbench:index*')).toEqual([]);
  }, 60_000);

  it('builds a zset by a numeric field and a set of deviceIP /24 networks', async () => {
    const indexes = builds({ rate: 1_000_000 });
    await indexes.define({ name: 'temperature', match: '*', field: 'temperature', kind: 'zset' });
    await indexes.define({ name: 'network', match: '*', field: 'deviceIP', kind: 'set', transform: 'ipv4-24' });
    await Promise.all([indexes.settled('temperature'), indexes.settled('network')]);
    expect(await compareWithTruth({ name: 'temperature', kind: 'zset', transform: 'none', field: 'temperature' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    expect(await compareWithTruth({ name: 'network', kind: 'set', transform: 'ipv4-24', field: 'deviceIP' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    expect(await redis.smembers(keys.indexValues('network'))).toContain('10.1.2.0/24');
    const hot = await redis.zrangebyscore(keys.indexSortedSet('temperature'), '(85', '+inf');
    expect(hot.length).toBeGreaterThan(0);
    for (const key of hot.slice(0, 20)) expect(Number(await redis.hget(key, 'temperature'))).toBeGreaterThan(85);
    await indexes.drop('temperature');
    await indexes.drop('network');
  }, 60_000);

  it('resumes a build killed in the middle from its saved cursor, with no full rescan, and ends equal to a full scan', async () => {
    const child = runInProject(process.execPath, ['--import', 'tsx', 'test/helpers/index-build-process.ts', server.url, 'killed', '20000']);
    try {
      await waitUntil('30,000 keys scanned', async () => Number(await redis.hget(keys.indexBuild('killed'), 'scanned')) >= 30_000, { timeoutMs: 20_000 });
    } finally {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    const atKill = await redis.hgetall(keys.indexBuild('killed'));
    expect(atKill.state).toBe('building');
    expect(atKill.cursor).not.toBe('0');
    const scannedAtKill = Number(atKill.scanned);
    expect(scannedAtKill).toBeLessThan(DEVICES);

    const indexes = builds({ rate: 1_000_000 });
    await indexes.resumeAll();
    await indexes.settled('killed');
    const status = await indexes.status('killed');
    expect(status.state).toBe('ready');
    // SCAN may return a key twice but never restarts: a rescan would add another ~30,000.
    expect(status.scanned).toBeGreaterThanOrEqual(DEVICES);
    expect(status.scanned).toBeLessThan(DEVICES + 5000);
    expect(await compareWithTruth({ name: 'killed', kind: 'set', transform: 'none', field: 'climate' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    await indexes.drop('killed');
  }, 60_000);

  it('pauses and resumes a build', async () => {
    const indexes = builds({ rate: 20_000 });
    await indexes.define({ name: 'paused', match: '*', field: 'climate', kind: 'set' });
    await waitUntil('10,000 keys scanned', async () => Number(await redis.hget(keys.indexBuild('paused'), 'scanned')) >= 10_000);
    const paused = await indexes.pause('paused');
    expect(paused.state).toBe('paused');
    expect(paused.scanned).toBeLessThan(DEVICES);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await indexes.status('paused')).scanned).toBe(paused.scanned);
    await expect(indexes.pause('paused')).rejects.toThrow('is not building');

    expect((await indexes.resume('paused')).state).toBe('building');
    await indexes.settled('paused');
    expect((await indexes.status('paused')).state).toBe('ready');
    expect(await compareWithTruth({ name: 'paused', kind: 'set', transform: 'none', field: 'climate' })).toEqual({ missing: 0, stale: 0, expected: DEVICES });
    await indexes.drop('paused');
  }, 60_000);

  it('verify reports a deliberately corrupted entry, and repair fixes it', async () => {
    const indexes = builds({ rate: 1_000_000 });
    await indexes.define({ name: 'corrupt', match: '*', field: 'climate', kind: 'set' });
    await indexes.settled('corrupt');
    const climate7 = (await redis.hget('7', 'climate'))!;
    const other = climate7 === 'hot' ? 'cold' : 'hot';
    await redis.srem(keys.indexValueSet('corrupt', climate7), '7');
    await redis.sadd(keys.indexValueSet('corrupt', other), '8');
    const climate8 = (await redis.hget('8', 'climate'))!;

    const report = await indexes.verify('corrupt', false);
    expect(report).toMatchObject({ missing: 1, missingSamples: ['7'], repaired: false });
    // 8 sits in a set it does not belong to (unless it is hot/cold already, then the SADD changed nothing).
    expect(report.stale).toBe(climate8 === other ? 0 : 1);
    expect((await indexes.status('corrupt')).lastVerify).toMatchObject({ missing: 1 });

    expect(await indexes.verify('corrupt', true)).toMatchObject({ missing: 1, repaired: true });
    expect(await indexes.verify('corrupt', false)).toMatchObject({ missing: 0, stale: 0 });
    expect(await redis.sismember(keys.indexValueSet('corrupt', climate7), '7')).toBe(1);
    await indexes.drop('corrupt');
  }, 60_000);

  it('on a read-only connection refuses to build, with the reason, and still verifies', async () => {
    const owner = builds({ rate: 1_000_000 });
    await owner.define({ name: 'shared', match: '*', field: 'climate', kind: 'set' });
    await owner.settled('shared');

    const readOnly = redisClient(server.url);
    try {
      enforceReadOnly(readOnly, CommandTable.fromReply(await redis.call('COMMAND'), 'test'), 'replica');
      const reason = 'the connection replica is read-only';
      const indexes = builds({ rate: 1_000_000 }, reason, readOnly);
      await expect(indexes.define({ name: 'refused', match: '*', field: 'climate', kind: 'set' })).rejects.toThrow(
        'building an index writes to Redis, and the connection replica is read-only',
      );
      await expect(indexes.verify('shared', true)).rejects.toThrow('repairing an index writes to Redis');
      expect(await redis.hexists(keys.indexDefinitions, 'refused')).toBe(0);
      // EVAL_RO passes the read-only check: looking needs no write.
      expect(await indexes.verify('shared', false)).toMatchObject({ missing: 0, stale: 0, checked: DEVICES });
    } finally {
      readOnly.disconnect();
    }
    await owner.drop('shared');
  }, 60_000);
});
