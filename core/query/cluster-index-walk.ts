import type { Cluster, Redis } from 'ioredis';
import { indexEntry } from '../domain/index-definition.js';
import type { IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import { execGrouped, readGrouped } from '../redis/slot-groups.js';

/**
 * Index builds and verifies on a Redis Cluster. The single-server steps are one script each (SCAN,
 * read, write, save the cursor), which a cluster cannot run: SCAN walks one node's keys of many
 * slots, and the index's sets lie in slots of their own. Here a step is client-side: SCAN on one
 * master, pipelined HGET on that master, variadic SADD / ZADD grouped per node, then the same HGETs
 * again — a hash whose entry changed between the read and the write had its live move done by the
 * ingest, possibly before this step's write put the old entry back, so the step takes that old
 * entry out again. Every master is walked in turn (by address, as the key browser does); the
 * saved cursor is `<master index>:<cursor>`.
 */

/** The masters in a fixed order, so a saved cursor's master index names the same node after a restart. */
export function orderedMasters(cluster: Cluster): Redis[] {
  return cluster.nodes('master').sort((a, b) => `${a.options.host}:${a.options.port}`.localeCompare(`${b.options.host}:${b.options.port}`));
}

export interface WalkPosition {
  node: number;
  cursor: string;
}

export function parseWalkCursor(text: string | undefined): WalkPosition {
  const match = /^(?:(\d+):)?(\d+)$/.exec(text ?? '0');
  return match ? { node: Number(match[1] ?? 0), cursor: match[2]! } : { node: 0, cursor: '0' };
}

export function formatWalkCursor({ node, cursor }: WalkPosition): string {
  return `${node}:${cursor}`;
}

export interface StepOutcome {
  /** Where the next step starts; null once every master's SCAN came back to 0. */
  next: WalkPosition | null;
  scanned: number;
  added: number;
}

/** One backfill step on the master `position.node`: scan, read, write, re-read and undo what a live move overtook. */
export async function clusterBackfillStep(cluster: Cluster, keys: KeySchema, record: IndexRecord, position: WalkPosition, count: number): Promise<StepOutcome> {
  const masters = orderedMasters(cluster);
  const node = masters[position.node];
  if (!node) return { next: null, scanned: 0, added: 0 };
  const [cursor, found] = (await node.call('SCAN', position.cursor, 'MATCH', record.match, 'COUNT', count)) as [string, string[]];
  const candidates = found.filter((key) => !key.startsWith(keys.indexKeysPrefix));
  const entries = await entriesOn(node, candidates, record);
  const added = await putEntries(cluster, record, candidates, entries);
  const again = await entriesOn(node, candidates, record);
  const overtaken = candidates.flatMap((key, i) => (entries[i] !== null && entries[i] !== again[i] ? [{ key, entry: entries[i]!, now: again[i] ?? null }] : []));
  if (overtaken.length > 0) await execGrouped(cluster, undoCommands(record, overtaken));
  const next = cursor !== '0' ? { node: position.node, cursor } : position.node + 1 < masters.length ? { node: position.node + 1, cursor: '0' } : null;
  return { next, scanned: candidates.length, added };
}

/** The index entry of each key's field (the same rule as the scripts), read with one pipeline on the node that holds the keys. */
export async function entriesOn(node: Redis, hashKeys: string[], record: IndexRecord): Promise<Array<string | number | null>> {
  if (hashKeys.length === 0) return [];
  const pipeline = node.pipeline();
  for (const key of hashKeys) pipeline.hget(key, record.field);
  const replies = (await pipeline.exec()) ?? [];
  return hashKeys.map((_, i) => {
    const [error, value] = replies[i] ?? [null, null];
    return error ? null : indexEntry(record, (value as string | null) ?? null);
  });
}

/** Variadic SADD per value (and the values set) or one ZADD: the number of entries that were new. */
export async function putEntries(cluster: Cluster, record: IndexRecord, hashKeys: string[], entries: Array<string | number | null>): Promise<number> {
  const commands: RedisCommand[] = [];
  if (record.kind === 'zset') {
    const pairs = hashKeys.flatMap((key, i) => (entries[i] === null ? [] : [Number(entries[i]), key]));
    if (pairs.length > 0) commands.push(['zadd', record.entriesKey, ...pairs]);
  } else {
    const byValue = new Map<string, string[]>();
    hashKeys.forEach((key, i) => {
      if (entries[i] === null) return;
      const value = String(entries[i]);
      byValue.set(value, [...(byValue.get(value) ?? []), key]);
    });
    for (const [value, members] of byValue) commands.push(['sadd', `${record.entriesKey}${value}`, ...members]);
    if (byValue.size > 0) commands.push(['sadd', record.valuesKey, ...byValue.keys()]);
  }
  if (commands.length === 0) return 0;
  const replies = await readGrouped(cluster, commands);
  // The values set's SADD counts values, not entries.
  const counted = record.kind === 'set' ? replies.slice(0, -1) : replies;
  return counted.reduce<number>((sum, reply) => sum + Number(reply ?? 0), 0);
}

/** Takes out entries a live move overtook (a set member of the old value; a zset score set back to the hash's current one). */
function undoCommands(record: IndexRecord, overtaken: Array<{ key: string; entry: string | number; now: string | number | null }>): RedisCommand[] {
  if (record.kind === 'zset') return overtaken.map(({ key, now }): RedisCommand => (now === null ? ['zrem', record.entriesKey, key] : ['zadd', record.entriesKey, Number(now), key]));
  return overtaken.map(({ key, entry }): RedisCommand => ['srem', `${record.entriesKey}${entry}`, key]);
}

export interface VerifyStep {
  next: WalkPosition | null;
  scanned: number;
  missing: string[];
}

/** One step of the missing-entries walk: hashes whose entry the index lacks (and, repairing, that entry put). */
export async function clusterVerifyMissingStep(cluster: Cluster, keys: KeySchema, record: IndexRecord, position: WalkPosition, count: number, repair: boolean): Promise<VerifyStep> {
  const masters = orderedMasters(cluster);
  const node = masters[position.node];
  if (!node) return { next: null, scanned: 0, missing: [] };
  const [cursor, found] = (await node.call('SCAN', position.cursor, 'MATCH', record.match, 'COUNT', count)) as [string, string[]];
  const candidates = found.filter((key) => !key.startsWith(keys.indexKeysPrefix));
  const entries = await entriesOn(node, candidates, record);
  const checks = candidates.flatMap((key, i): Array<{ key: string; entry: string | number; command: RedisCommand }> => {
    const entry = entries[i];
    if (entry === null || entry === undefined) return [];
    return [{ key, entry, command: record.kind === 'zset' ? ['zscore', record.entriesKey, key] : ['sismember', `${record.entriesKey}${entry}`, key] }];
  });
  const present = await readGrouped(cluster, checks.map(({ command }) => command));
  const missing = checks.filter(({ entry }, i) => (record.kind === 'zset' ? Number(present[i] ?? Number.NaN) !== entry : present[i] !== 1));
  if (repair && missing.length > 0) {
    await putEntries(cluster, record, missing.map(({ key }) => key), missing.map(({ entry }) => entry));
  }
  const next = cursor !== '0' ? { node: position.node, cursor } : position.node + 1 < masters.length ? { node: position.node + 1, cursor: '0' } : null;
  return { next, scanned: candidates.length, missing: missing.map(({ key }) => key) };
}

/** One step of the stale-entries walk over one value's set (or the zset): members whose hash no longer has that entry. */
export async function clusterVerifyStaleStep(
  cluster: Cluster,
  record: IndexRecord,
  value: string,
  cursor: string,
  count: number,
  repair: boolean,
): Promise<{ cursor: string; checked: number; stale: string[] }> {
  let members: string[];
  let stored: Array<string | number>;
  let next: string;
  if (record.kind === 'zset') {
    const [after, flat] = (await cluster.zscan(record.entriesKey, cursor, 'COUNT', count)) as [string, string[]];
    members = flat.filter((_, i) => i % 2 === 0);
    stored = flat.filter((_, i) => i % 2 === 1).map(Number);
    next = after;
  } else {
    const [after, found] = await cluster.sscan(`${record.entriesKey}${value}`, cursor, 'COUNT', count);
    members = found;
    stored = found.map(() => value);
    next = after;
  }
  const values = (await readGrouped(cluster, members.map((key): RedisCommand => ['hget', key, record.field]))) as Array<string | null>;
  const stale = members.flatMap((key, i) => {
    const entry = indexEntry(record, values[i] ?? null);
    return entry !== stored[i] ? [{ key, stored: stored[i]!, entry }] : [];
  });
  if (repair && stale.length > 0) {
    const fixes = stale.flatMap(({ key, stored: old, entry }): RedisCommand[] => {
      if (record.kind === 'zset') return [entry === null ? ['zrem', record.entriesKey, key] : ['zadd', record.entriesKey, Number(entry), key]];
      return [['srem', `${record.entriesKey}${old}`, key], ...(entry === null ? [] : ([['sadd', `${record.entriesKey}${entry}`, key], ['sadd', record.valuesKey, String(entry)]] as RedisCommand[]))];
    });
    await readGrouped(cluster, fixes);
  }
  return { cursor: next, checked: members.length, stale: stale.map(({ key }) => key) };
}
