import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidKeyPage, keyDetail, MAX_ELEMENTS_PER_PAGE, scanKeys, dbSize, type KeyScanRequest } from '../../../core/query/key-browser.js';
import { MAX_STRING_PAGE_BYTES, type KeyDetail, type KeyScan } from '../../../core/api/keys.js';
import { KEY_TYPES, type KeyType } from '../../../core/domain/key-type.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

let server: TestRedis;
let redis: Redis;
/** One server: its only master is itself. */
const single = { masters: () => [redis] };

/** `kb:<i>` of type KEY_TYPES[i % 6], so a key's name does not tell its type and only TYPE can filter. */
const FILLED = 5_004;
const NOISE = 600;
const filledType = (i: number): KeyType => KEY_TYPES[i % KEY_TYPES.length]!;
/** Past the listpack limits (a hash stays one listpack up to 512 fields), so HSCAN and SSCAN page instead of answering whole. */
const PAGED = 600;

async function fill(): Promise<void> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < FILLED; i++) {
    const key = `kb:${i}`;
    const writers: Record<KeyType, () => unknown> = {
      string: () => pipeline.set(key, 'v'),
      hash: () => pipeline.hset(key, 'f', 'v'),
      zset: () => pipeline.zadd(key, 1, 'm'),
      list: () => pipeline.rpush(key, 'e'),
      set: () => pipeline.sadd(key, 'm'),
      stream: () => pipeline.xadd(key, '*', 'f', 'v'),
    };
    writers[filledType(i)]();
  }
  for (let i = 0; i < NOISE; i++) pipeline.set(`noise:${i}`, 'x');
  await pipeline.exec();
}

/** Follows the cursor until the walk is complete, as the UI's "more" button would. */
async function walk(request: Omit<KeyScanRequest, 'cursor'>): Promise<{ pages: KeyScan[]; keys: string[] }> {
  const pages: KeyScan[] = [];
  let cursor = '0';
  do {
    const page = await scanKeys(single, { ...request, cursor });
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== '0');
  return { pages, keys: pages.flatMap((page) => page.keys.map((summary) => summary.key)) };
}

const expectedKeys = (type: KeyType | null) =>
  Array.from({ length: FILLED }, (_, i) => i)
    .filter((i) => type === null || filledType(i) === type)
    .map((i) => `kb:${i}`)
    .sort();

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  await fill();
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('scanKeys', () => {
  it('walks every key of one type under a pattern exactly once', async () => {
    const { pages, keys } = await walk({ match: 'kb:*', type: 'hash', count: 100, maxExamined: 10_000 });
    expect([...keys].sort()).toEqual(expectedKeys('hash'));
    expect(pages.flatMap((page) => page.keys.map((summary) => summary.type))).toEqual(keys.map(() => 'hash'));
    expect(pages[0]!.command).toBe('SCAN 0 MATCH kb:* COUNT 100 TYPE hash');
  });

  it('without a type filter, asks TYPE for each key and leaves other prefixes out', async () => {
    const { pages, keys } = await walk({ match: 'kb:*', type: null, count: 500, maxExamined: 10_000 });
    expect([...keys].sort()).toEqual(expectedKeys(null));
    for (const { key, type } of pages.flatMap((page) => page.keys)) expect(type).toBe(filledType(Number(key.slice(3))));
  });

  it('fills a page of `count` keys from several steps when the pattern is sparse', async () => {
    const page = await scanKeys(single, { cursor: '0', match: 'kb:*', type: 'stream', count: 50, maxExamined: 100_000 });
    expect(page.keys.length).toBeGreaterThanOrEqual(50);
    // One key in six is a stream: one step of COUNT 50 could not have found 50 of them.
    expect(page.examined).toBeGreaterThan(50);
  });

  it('walks a keyspace where MATCH finds nothing in a few round trips, not one per `count` keys', async () => {
    const scanCalls = async () => Number(/cmdstat_scan:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await scanCalls();
    const page = await scanKeys(single, { cursor: '0', match: 'nothing:*', type: null, count: 100, maxExamined: 100_000 });
    expect(page).toMatchObject({ keys: [], cursor: '0' });
    // 5,604 keys at COUNT 100 would be 57 steps; doubling after each empty step needs 8.
    expect((await scanCalls()) - before).toBeLessThanOrEqual(10);
  });

  it('caps the work of one request at maxExamined, and the capped walk still completes', async () => {
    const capped = await scanKeys(single, { cursor: '0', match: 'nothing:*', type: null, count: 100, maxExamined: 1_000 });
    expect(capped).toMatchObject({ keys: [], examined: 1_000 });
    expect(capped.cursor).not.toBe('0');

    const underCount = await scanKeys(single, { cursor: '0', match: null, type: null, count: 100, maxExamined: 30 });
    expect(underCount.examined).toBeLessThanOrEqual(30);

    const { pages, keys } = await walk({ match: 'kb:*', type: 'set', count: 100, maxExamined: 250 });
    for (const page of pages) expect(page.examined).toBeLessThanOrEqual(250 + 100);
    expect([...keys].sort()).toEqual(expectedKeys('set'));
  });

  it('counts the whole keyspace with DBSIZE', async () => {
    expect(await dbSize(single)).toBe(FILLED + NOISE);
  });
});

describe('keyDetail', () => {
  beforeAll(async () => {
    const pipeline = redis.pipeline();
    pipeline.set('detail:string', 'x'.repeat(10_000));
    pipeline.pexpire('detail:string', 60_000);
    for (let i = 0; i < PAGED; i++) {
      pipeline.hset('detail:hash', `field-${i}`, `value-${i}`);
      pipeline.zadd('detail:zset', i, `member-${i}`);
      pipeline.rpush('detail:list', `element-${i}`);
      pipeline.sadd('detail:set', `member-${i}`);
      pipeline.xadd('detail:stream', `1000-${i}`, 'n', String(i), 'n', 'again');
    }
    pipeline.zadd('detail:zset', '+inf', 'member-top');
    await pipeline.exec();
  });

  /** Reads page after page, following `next`, and returns them all. */
  async function pages<T extends KeyDetail>(key: string, limit: number): Promise<T[]> {
    const read: T[] = [];
    let offset: string | null = null;
    do {
      const page = (await keyDetail(redis, key, { offset, limit })) as T & { next: string | null };
      read.push(page);
      offset = page.next;
    } while (offset !== null);
    return read;
  }

  it('reads the first bytes of a large string, says it is truncated, and pages on by byte', async () => {
    const first = await keyDetail(redis, 'detail:string', { offset: null, limit: 1_000 });
    expect(first).toMatchObject({ type: 'string', value: 'x'.repeat(1_000), length: 10_000, truncated: true, next: '1000', command: 'GETRANGE detail:string 0 999' });
    const last = await keyDetail(redis, 'detail:string', { offset: '9500', limit: 1_000 });
    expect(last).toMatchObject({ value: 'x'.repeat(500), truncated: true, next: null });
    const rest = await keyDetail(redis, 'detail:string', { offset: '1000', limit: MAX_STRING_PAGE_BYTES });
    expect(rest).toMatchObject({ value: 'x'.repeat(9_000), next: null });
    await expect(keyDetail(redis, 'detail:list', { offset: null, limit: MAX_ELEMENTS_PER_PAGE + 1 })).rejects.toThrow(/a list is read at most 1000 elements a page/);
    const whole = await keyDetail(redis, 'kb:0', { offset: null, limit: 1_000 });
    expect(whole).toMatchObject({ type: 'string', value: 'v', length: 1, truncated: false, next: null, ttlMs: null });
  });

  it('reports the TTL in ms and the memory a key uses', async () => {
    const detail = await keyDetail(redis, 'detail:string', { offset: null, limit: 10 });
    if (detail.type !== 'string') throw new Error(`expected a string, got ${detail.type}`);
    expect(detail.ttlMs).toBeGreaterThan(50_000);
    expect(detail.ttlMs).toBeLessThanOrEqual(60_000);
    expect(detail.memoryBytes).toBeGreaterThan(10_000);
  });

  it('pages a hash by HSCAN cursor until every field is read', async () => {
    const read = await pages<Extract<KeyDetail, { type: 'hash' }>>('detail:hash', 20);
    expect(read.length).toBeGreaterThan(1);
    expect(read[0]).toMatchObject({ type: 'hash', length: PAGED, command: 'HSCAN detail:hash 0 COUNT 20' });
    const fields = new Map(read.flatMap((page) => page.fields.map(({ field, value }) => [field, value] as const)));
    expect(fields.size).toBe(PAGED);
    expect(fields.get('field-7')).toBe('value-7');
  });

  it('pages a sorted set by rank with scores as Redis prints them', async () => {
    const read = await pages<Extract<KeyDetail, { type: 'zset' }>>('detail:zset', 100);
    expect(read.map((page) => page.offset)).toEqual([0, 100, 200, 300, 400, 500, 600]);
    const members = read.flatMap((page) => page.members);
    expect(members).toHaveLength(PAGED + 1);
    expect(members[3]).toEqual({ member: 'member-3', score: '3' });
    expect(members.at(-1)).toEqual({ member: 'member-top', score: 'inf' });
    expect(read[1]).toMatchObject({ length: PAGED + 1, command: 'ZRANGE detail:zset 100 199 WITHSCORES' });
  });

  it('pages a list by index', async () => {
    const read = await pages<Extract<KeyDetail, { type: 'list' }>>('detail:list', 100);
    expect(read.flatMap((page) => page.elements)).toEqual(Array.from({ length: PAGED }, (_, i) => `element-${i}`));
    expect(read.at(-1)).toMatchObject({ offset: 500, length: PAGED, next: null, command: 'LRANGE detail:list 500 599' });
  });

  it('pages a set by SSCAN cursor until every member is read', async () => {
    const read = await pages<Extract<KeyDetail, { type: 'set' }>>('detail:set', 20);
    expect(read.length).toBeGreaterThan(1);
    expect(read[0]).toMatchObject({ type: 'set', length: PAGED });
    expect(new Set(read.flatMap((page) => page.members)).size).toBe(PAGED);
  });

  it('pages a stream by entry id, keeping repeated fields', async () => {
    const read = await pages<Extract<KeyDetail, { type: 'stream' }>>('detail:stream', 100);
    const entries = read.flatMap((page) => page.entries);
    expect(entries.map((entry) => entry.id)).toEqual(Array.from({ length: PAGED }, (_, i) => `1000-${i}`));
    expect(entries[5]!.fields).toEqual([
      { field: 'n', value: '5' },
      { field: 'n', value: 'again' },
    ]);
    expect(read[0]).toMatchObject({ length: PAGED, next: '1000-100', command: 'XRANGE detail:stream - + COUNT 100' });
    expect(read[1]!.command).toBe('XRANGE detail:stream 1000-100 + COUNT 100');
  });

  it('answers type none for a missing key', async () => {
    expect(await keyDetail(redis, 'detail:missing', { offset: null, limit: 10 })).toEqual({ type: 'none', key: 'detail:missing' });
  });

  it('quotes odd key names in the command so it can be pasted into redis-cli', async () => {
    const key = 'odd "name" with\nnewline/%?';
    await redis.rpush(key, 'a');
    const detail = await keyDetail(redis, key, { offset: null, limit: 10 });
    expect(detail).toMatchObject({ type: 'list', key, elements: ['a'], command: 'LRANGE "odd \\"name\\" with\\x0anewline/%?" 0 9' });
    await redis.del(key);
  });

  it('refuses an offset that does not fit the type', async () => {
    await expect(keyDetail(redis, 'detail:list', { offset: '1000-5', limit: 10 })).rejects.toBeInstanceOf(InvalidKeyPage);
    await expect(keyDetail(redis, 'detail:hash', { offset: '1000-5', limit: 10 })).rejects.toThrow(/not a scan cursor/);
  });
});
