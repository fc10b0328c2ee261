import { ReplyError, type Redis } from 'ioredis';
import type { KeyDetail, KeyScan, KeySummary, KeyType, OtherKeyDetail } from '../server/contract.js';

/**
 * The key browser's read side: any key of the connected Redis, found with SCAN and read a page at a
 * time. Only read-only commands with fixed names; key names, patterns and cursors travel as arguments.
 */

export const KEY_TYPES = ['string', 'hash', 'zset', 'list', 'set', 'stream'] as const satisfies readonly KeyType[];

export interface KeyScanRequest {
  cursor: string;
  match: string | null;
  type: KeyType | null;
  /** Keys wanted per page, and the COUNT hint of each step. */
  count: number;
  /** Cap on the keys examined in this request, so a sparse MATCH cannot keep Redis busy for long. */
  maxExamined: number;
}

export interface ValuePageRequest {
  /** Where the page starts, by type: byte (string), rank (zset), index (list), cursor (hash, set), entry id (stream). */
  offset: string | null;
  limit: number;
}

/** An offset that does not fit the key's type (e.g. a stream id for a list): the client's to fix. */
export class InvalidKeyPage extends Error {}

export function dbSize(redis: Redis): Promise<number> {
  return redis.dbsize();
}

/** SCAN steps until a page of `count` keys is found, the walk is complete or `maxExamined` is spent. */
export async function scanKeys(redis: Redis, request: KeyScanRequest): Promise<KeyScan> {
  const found = new Set<string>();
  let cursor = request.cursor;
  let examined = 0;
  do {
    // The last step asks for no more than the budget has left, so examined never passes the cap.
    const stepCount = Math.min(request.count, request.maxExamined - examined);
    const [next, keys] = (await redis.call('SCAN', scanArguments(cursor, request, stepCount))) as [string, string[]];
    // During a rehash SCAN may return a key twice; one page lists it once.
    for (const key of keys) found.add(key);
    examined += stepCount;
    cursor = next;
  } while (cursor !== '0' && found.size < request.count && examined < request.maxExamined);
  const { type } = request;
  return {
    keys: type === null ? await withTypes(redis, [...found]) : [...found].map((key) => ({ key, type })),
    cursor,
    examined,
    command: ['SCAN', ...scanArguments(request.cursor, request, request.count)].map(cliArgument).join(' '),
  };
}

function scanArguments(cursor: string, { match, type }: KeyScanRequest, count: number): string[] {
  return [cursor, ...(match === null ? [] : ['MATCH', match]), 'COUNT', String(count), ...(type === null ? [] : ['TYPE', type])];
}

/** One pipelined TYPE per key; a key deleted since SCAN saw it is left out. */
async function withTypes(redis: Redis, keys: string[]): Promise<KeySummary[]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.type(key);
  const replies = (await pipeline.exec()) ?? [];
  const summaries = keys.map((key, index) => {
    const [error, type] = replies[index] ?? [new Error('no reply to TYPE'), null];
    if (error) throw error;
    return { key, type: String(type) };
  });
  return summaries.filter((summary) => summary.type !== 'none');
}

/** TYPE, PTTL, MEMORY USAGE and one page of the value, read with the type's own commands. */
export async function keyDetail(redis: Redis, key: string, page: ValuePageRequest): Promise<KeyDetail> {
  const type = await redis.type(key);
  if (type === 'none') return { type: 'none', key };
  if (!isKeyType(type)) {
    const [ttlMs, memoryBytes] = await Promise.all([timeToLive(redis, key), memoryUsage(redis, key)]);
    return { type: 'other', redisType: type, key, ttlMs, memoryBytes } satisfies OtherKeyDetail;
  }
  const [ttlMs, memoryBytes, value] = await Promise.all([timeToLive(redis, key), memoryUsage(redis, key), VALUE_READERS[type](redis, key, page)]);
  return { key, ttlMs, memoryBytes, ...value };
}

function isKeyType(type: string): type is KeyType {
  return (KEY_TYPES as readonly string[]).includes(type);
}

async function timeToLive(redis: Redis, key: string): Promise<number | null> {
  const ttl = await redis.pttl(key);
  return ttl < 0 ? null : ttl;
}

/** Default sampling: SAMPLES 0 walks every element of a large collection. */
async function memoryUsage(redis: Redis, key: string): Promise<number | null> {
  try {
    return await redis.memory('USAGE', key);
  } catch (error) {
    // Managed Redis services and ACLs often refuse MEMORY; the rest of the detail still stands.
    if (error instanceof ReplyError) return null;
    throw error;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ValuePage = DistributiveOmit<Exclude<KeyDetail, OtherKeyDetail | { type: 'none' }>, 'key' | 'ttlMs' | 'memoryBytes'>;
type ValueReader = (redis: Redis, key: string, page: ValuePageRequest) => Promise<ValuePage>;

const VALUE_READERS: Record<KeyType, ValueReader> = {
  async string(redis, key, { offset, limit }) {
    const start = indexOffset(offset);
    const end = start + limit;
    const [value, length] = await Promise.all([redis.getrange(key, start, end - 1), redis.strlen(key)]);
    return {
      type: 'string',
      value,
      length,
      truncated: start > 0 || end < length,
      next: end < length ? String(end) : null,
      command: `GETRANGE ${cliArgument(key)} ${start} ${end - 1}`,
    };
  },
  async hash(redis, key, { offset, limit }) {
    const cursor = scanCursor(offset);
    const [[next, flat], length] = await Promise.all([redis.hscan(key, cursor, 'COUNT', limit), redis.hlen(key)]);
    return { type: 'hash', fields: fieldPairs(flat), length, next: nextCursor(next), command: `HSCAN ${cliArgument(key)} ${cursor} COUNT ${limit}` };
  },
  async zset(redis, key, { offset, limit }) {
    const start = indexOffset(offset);
    const stop = start + limit - 1;
    const [flat, length] = await Promise.all([redis.zrange(key, start, stop, 'WITHSCORES'), redis.zcard(key)]);
    const members = fieldPairs(flat).map(({ field, value }) => ({ member: field, score: value }));
    return { type: 'zset', members, offset: start, length, next: nextIndex(stop, length), command: `ZRANGE ${cliArgument(key)} ${start} ${stop} WITHSCORES` };
  },
  async list(redis, key, { offset, limit }) {
    const start = indexOffset(offset);
    const stop = start + limit - 1;
    const [elements, length] = await Promise.all([redis.lrange(key, start, stop), redis.llen(key)]);
    return { type: 'list', elements, offset: start, length, next: nextIndex(stop, length), command: `LRANGE ${cliArgument(key)} ${start} ${stop}` };
  },
  async set(redis, key, { offset, limit }) {
    const cursor = scanCursor(offset);
    const [[next, members], length] = await Promise.all([redis.sscan(key, cursor, 'COUNT', limit), redis.scard(key)]);
    return { type: 'set', members, length, next: nextCursor(next), command: `SSCAN ${cliArgument(key)} ${cursor} COUNT ${limit}` };
  },
  async stream(redis, key, { offset, limit }) {
    const start = streamId(offset);
    // One entry more than the page: its id is where the next page starts.
    const [entries, length] = await Promise.all([redis.xrange(key, start, '+', 'COUNT', limit + 1), redis.xlen(key)]);
    return {
      type: 'stream',
      entries: entries.slice(0, limit).map(([id, flat]) => ({ id, fields: fieldPairs(flat) })),
      length,
      next: entries[limit]?.[0] ?? null,
      command: `XRANGE ${cliArgument(key)} ${start} + COUNT ${limit}`,
    };
  },
};

function fieldPairs(flat: string[]): Array<{ field: string; value: string }> {
  const pairs: Array<{ field: string; value: string }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ field: flat[i]!, value: flat[i + 1]! });
  return pairs;
}

function nextCursor(cursor: string): string | null {
  return cursor === '0' ? null : cursor;
}

function nextIndex(stop: number, length: number): string | null {
  return stop + 1 < length ? String(stop + 1) : null;
}

function indexOffset(offset: string | null): number {
  if (offset === null) return 0;
  if (!/^\d{1,15}$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a position in this key`);
  return Number(offset);
}

function scanCursor(offset: string | null): string {
  if (offset === null) return '0';
  if (!/^\d{1,20}$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a scan cursor`);
  return offset;
}

function streamId(offset: string | null): string {
  if (offset === null) return '-';
  if (!/^\d{1,20}(-\d{1,20})?$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a stream entry id`);
  return offset;
}

/** Quotes an argument the way redis-cli reads it, so a shown command can be pasted even for odd key names. */
function cliArgument(value: string): string {
  if (/^[!#-&(-[\]-~]+$/.test(value)) return value;
  const escaped = value.replace(/["\\]/g, '\\$&').replace(/\p{Cc}/gu, (char) => [...Buffer.from(char)].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join(''));
  return `"${escaped}"`;
}
