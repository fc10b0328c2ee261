import { ReplyError, type Redis } from 'ioredis';
import type { RedisClient } from '../redis/redis-target.js';
import type { KeyDetail, KeyScan, KeySummary, OtherKeyDetail } from '../api/keys.js';
import { InvalidInput } from '../domain/errors.js';
import { KEY_TYPES, type KeyType } from '../domain/key-type.js';

/**
 * The key browser's read side: any key of the connected Redis, found with SCAN and read a page at a
 * time. Only read-only commands with fixed names; key names, patterns and cursors travel as arguments.
 */

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
  /** Bytes of a string (up to MAX_STRING_PAGE_BYTES, for "load all"), elements of anything else (up to MAX_ELEMENTS_PER_PAGE). */
  limit: number;
}

/** A collection's page: "load all" of a big one goes page by page, so no single reply is huge. */
export const MAX_ELEMENTS_PER_PAGE = 1000;

/** An offset that does not fit the key's type (e.g. a stream id for a list): the client's to fix. */
export class InvalidKeyPage extends InvalidInput {}

/** The largest COUNT hint of one SCAN step: Redis stays responsive to others between steps. */
const MAX_SCAN_STEP = 10_000;

/** Where a scan walks: the master nodes, one for a single server, every master of a cluster. */
export interface ScanScope {
  masters(): Redis[];
}

/** DBSIZE of every master: a cluster's nodes each count only their own slots. */
export async function dbSize(scope: ScanScope): Promise<number> {
  const sizes = await Promise.all(orderedMasters(scope).map((node) => node.dbsize()));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * SCAN steps until a page of `count` keys is found, the walk is complete or `maxExamined` is spent.
 * On a cluster the walk goes master by master; its cursor is then `<master index>:<cursor>`.
 */
export async function scanKeys(scope: ScanScope, request: KeyScanRequest): Promise<KeyScan> {
  const masters = orderedMasters(scope);
  let position = parseScanCursor(request.cursor, masters.length);
  const found = new Map<string, Redis>();
  let examined = 0;
  let hint = request.count;
  do {
    const node = masters[position.node]!;
    // The last step asks for no more than the budget has left, so examined never passes the cap.
    const stepCount = Math.min(hint, request.maxExamined - examined);
    const [next, keys] = (await node.call('SCAN', scanArguments(position.cursor, request, stepCount))) as [string, string[]];
    // During a rehash SCAN may return a key twice; one page lists it once.
    for (const key of keys) found.set(key, node);
    examined += stepCount;
    // A MATCH that finds nothing here would otherwise cost one round trip per `count` keys; each
    // empty step doubles the next one's COUNT, still within the cap.
    hint = keys.length === 0 ? Math.min(hint * 2, MAX_SCAN_STEP) : request.count;
    position = next === '0' ? { node: position.node + 1, cursor: '0' } : { node: position.node, cursor: next };
  } while (position.node < masters.length && found.size < request.count && examined < request.maxExamined);
  const { type } = request;
  const start = parseScanCursor(request.cursor, masters.length);
  return {
    keys: type === null ? await withTypes(found) : [...found.keys()].map((key) => ({ key, type })),
    cursor: position.node >= masters.length ? '0' : formatScanCursor(position, masters.length),
    examined,
    command: describeScan(start, request, masters),
  };
}

/** The first SCAN step as redis-cli would send it; on a cluster, with the node it went to. */
function describeScan(start: ScanPosition, request: KeyScanRequest, masters: Redis[]): string {
  const command = ['SCAN', ...scanArguments(start.cursor, request, request.count)].map(cliArgument).join(' ');
  return masters.length > 1 ? `${command} (on ${nodeAddress(masters[start.node]!)})` : command;
}

/** A cluster's masters in a fixed order (by address), so a cursor's master index means the same node next time. */
function orderedMasters(scope: ScanScope): Redis[] {
  return scope.masters().sort((a, b) => nodeAddress(a).localeCompare(nodeAddress(b)));
}

function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

interface ScanPosition {
  node: number;
  cursor: string;
}

/** A cursor that does not belong to this keyspace (e.g. from a cluster with more masters): the client's to fix. */
export class InvalidScanCursor extends InvalidInput {}

function parseScanCursor(text: string, masters: number): ScanPosition {
  const match = /^(?:(\d{1,4}):)?(\d{1,20})$/.exec(text);
  if (!match) throw new InvalidScanCursor(`cursor: ${text} is not a scan cursor`, 'cursor');
  const node = match[1] === undefined ? 0 : Number(match[1]);
  if (node >= masters) throw new InvalidScanCursor(`cursor: ${text} names master ${node}, but there are ${masters}`, 'cursor');
  return { node, cursor: match[2]! };
}

function formatScanCursor({ node, cursor }: ScanPosition, masters: number): string {
  return masters === 1 ? cursor : `${node}:${cursor}`;
}

function scanArguments(cursor: string, { match, type }: KeyScanRequest, count: number): string[] {
  return [cursor, ...(match === null ? [] : ['MATCH', match]), 'COUNT', String(count), ...(type === null ? [] : ['TYPE', type])];
}

/** One pipelined TYPE per key, on the node that holds it; a key deleted since SCAN saw it is left out. */
async function withTypes(found: Map<string, Redis>): Promise<KeySummary[]> {
  const byNode = new Map<Redis, string[]>();
  for (const [key, node] of found) {
    const keys = byNode.get(node);
    if (keys) keys.push(key);
    else byNode.set(node, [key]);
  }
  const typed = await Promise.all([...byNode].map(([node, keys]) => typesOn(node, keys)));
  return typed.flat().filter((summary) => summary.type !== 'none');
}

async function typesOn(node: Redis, keys: string[]): Promise<KeySummary[]> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.type(key);
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((key, index) => {
    const [error, type] = replies[index] ?? [new Error('no reply to TYPE'), null];
    if (error) throw error;
    return { key, type: String(type) };
  });
}

/** TYPE, PTTL, MEMORY USAGE and one page of the value, read with the type's own commands. */
export async function keyDetail(redis: RedisClient, key: string, page: ValuePageRequest): Promise<KeyDetail> {
  const type = await redis.type(key);
  if (type === 'none') return { type: 'none', key };
  if (!isKeyType(type)) {
    const [ttlMs, memoryBytes] = await Promise.all([timeToLive(redis, key), memoryUsage(redis, key)]);
    return { type: 'other', redisType: type, key, ttlMs, memoryBytes } satisfies OtherKeyDetail;
  }
  if (type !== 'string' && page.limit > MAX_ELEMENTS_PER_PAGE) {
    throw new InvalidKeyPage(`limit: a ${type} is read at most ${MAX_ELEMENTS_PER_PAGE} elements a page (${page.limit} asked)`, 'limit');
  }
  const [ttlMs, memoryBytes, value] = await Promise.all([timeToLive(redis, key), memoryUsage(redis, key), VALUE_READERS[type](redis, key, page)]);
  return { key, ttlMs, memoryBytes, ...value };
}

function isKeyType(type: string): type is KeyType {
  return (KEY_TYPES as readonly string[]).includes(type);
}

async function timeToLive(redis: RedisClient, key: string): Promise<number | null> {
  const ttl = await redis.pttl(key);
  return ttl < 0 ? null : ttl;
}

/** Default sampling: SAMPLES 0 walks every element of a large collection. */
async function memoryUsage(redis: RedisClient, key: string): Promise<number | null> {
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
type ValueReader = (redis: RedisClient, key: string, page: ValuePageRequest) => Promise<ValuePage>;

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
  if (!/^\d{1,15}$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a position in this key`, 'offset');
  return Number(offset);
}

function scanCursor(offset: string | null): string {
  if (offset === null) return '0';
  if (!/^\d{1,20}$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a scan cursor`, 'offset');
  return offset;
}

function streamId(offset: string | null): string {
  if (offset === null) return '-';
  if (!/^\d{1,20}(-\d{1,20})?$/.test(offset)) throw new InvalidKeyPage(`offset: ${offset} is not a stream entry id`, 'offset');
  return offset;
}

/** Quotes an argument the way redis-cli reads it, so a shown command can be pasted even for odd key names. */
function cliArgument(value: string): string {
  if (/^[!#-&(-[\]-~]+$/.test(value)) return value;
  const escaped = value.replace(/["\\]/g, '\\$&').replace(/\p{Cc}/gu, (char) => [...Buffer.from(char)].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join(''));
  return `"${escaped}"`;
}
