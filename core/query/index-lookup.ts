import type { IndexCompare, IndexCompareRequest, IndexLookup, IndexLookupQuery, QueryRun } from '../api/indexes.js';
import { InvalidInput } from '../domain/errors.js';
import { indexEntry, type IndexKind } from '../domain/index-definition.js';
import type { IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';

/** The question both ways answer: hashes whose entry is `value`, or whose score lies in [min, max]. */
export interface IndexQuestion {
  value?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

const SCAN_COUNT = 1000;
const SAMPLE = 20;

/** One page of an index's members for a value (SSCAN) or a score range (ZRANGE BYSCORE LIMIT). */
export async function lookupIndex(redis: RedisClient, keys: KeySchema, record: IndexRecord, query: IndexLookupQuery): Promise<IndexLookup> {
  checkQuestion(record.kind, query);
  if (record.kind === 'set') {
    const [cursor, members] = await redis.sscan(keys.indexValueSet(record.name, query.value!), query.cursor, 'COUNT', query.count);
    return { members: members.map((key) => ({ key, score: null })), cursor };
  }
  const offset = Number(query.cursor);
  const flat = await redis.zrangebyscore(keys.indexSortedSet(record.name), bound(query.min, '-inf'), bound(query.max, '+inf'), 'WITHSCORES', 'LIMIT', offset, query.count);
  const members = [];
  for (let i = 0; i + 1 < flat.length; i += 2) members.push({ key: flat[i]!, score: Number(flat[i + 1]) });
  return { members, cursor: members.length < query.count ? '0' : String(offset + members.length) };
}

/**
 * The trade-off of the source paper, measured: the answer by SCAN + HGET + filter over every key
 * the pattern matches (no model change, O(keys)), and by the index (one command, O(answer)).
 * Both only read, so a read-only connection runs them.
 */
export async function compareWithIndex(redis: RedisClient, keys: KeySchema, request: IndexCompareRequest, record: IndexRecord | null): Promise<IndexCompare> {
  checkQuestion(request.kind, request);
  return { scan: await scanAndFilter(redis, keys, request), index: record ? await askIndex(redis, keys, record, request) : null };
}

/** The question by SCAN + HGET + filter over every key the pattern matches. */
export async function scanAndFilter(redis: RedisClient, keys: KeySchema, request: IndexCompareRequest): Promise<QueryRun> {
  const started = performance.now();
  const found: string[] = [];
  let cursor = '0';
  let scans = 0;
  let examined = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', request.match, 'COUNT', SCAN_COUNT);
    scans += 1;
    const candidates = batch.filter((key) => !key.startsWith(keys.indexKeysPrefix));
    examined += candidates.length;
    if (candidates.length > 0) {
      const pipeline = redis.pipeline();
      for (const key of candidates) pipeline.hget(key, request.field);
      const replies = (await pipeline.exec()) ?? [];
      candidates.forEach((key, i) => {
        const [error, value] = replies[i]!;
        if (error === null && answers(request, indexEntry(request, value as string | null))) found.push(key);
      });
    }
    cursor = next;
  } while (cursor !== '0');
  return {
    keysExamined: examined,
    commands: scans + examined,
    ms: performance.now() - started,
    results: found.length,
    sample: found.slice(0, SAMPLE),
    redisCli: [`SCAN <cursor> MATCH ${request.match} COUNT ${SCAN_COUNT}   (× ${scans})`, `HGET <key> ${request.field}   (× ${examined}, pipelined)`],
  };
}

/** The question by the index: one SMEMBERS or ZRANGEBYSCORE. */
export async function askIndex(redis: RedisClient, keys: KeySchema, record: IndexRecord, question: IndexQuestion): Promise<QueryRun> {
  const started = performance.now();
  let members: string[];
  let command: string;
  if (record.kind === 'set') {
    const key = keys.indexValueSet(record.name, question.value!);
    members = await redis.smembers(key);
    command = `SMEMBERS ${key}`;
  } else {
    const key = keys.indexSortedSet(record.name);
    const [min, max] = [bound(question.min, '-inf'), bound(question.max, '+inf')];
    members = await redis.zrangebyscore(key, min, max);
    command = `ZRANGEBYSCORE ${key} ${min} ${max}`;
  }
  return { keysExamined: members.length, commands: 1, ms: performance.now() - started, results: members.length, sample: members.slice(0, SAMPLE), redisCli: [command] };
}

function answers(question: IndexQuestion, entry: string | number | null): boolean {
  if (entry === null) return false;
  if (typeof entry === 'string') return entry === question.value;
  return (question.min === undefined || entry >= question.min) && (question.max === undefined || entry <= question.max);
}

function checkQuestion(kind: IndexKind, question: IndexQuestion): void {
  if (kind === 'set' && question.value === undefined) throw new InvalidInput('a set index is asked for a value (?value=)', 'value');
  if (kind === 'zset' && question.value !== undefined) throw new InvalidInput('a zset index is asked for a score range (?min=&max=)', 'value');
}

function bound(value: number | undefined, open: string): string {
  return value === undefined ? open : String(value);
}
