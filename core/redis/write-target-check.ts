import { Redis, ReplyError, type Cluster } from 'ioredis';
import { Refused } from '../domain/errors.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import { redactUrl } from './connect.js';

/** Why a Redis cannot take the workbench's writes, each with what a user would need to put it right. */
export type WriteTargetProblem =
  | { kind: 'cluster-node' }
  | { kind: 'cluster-down'; state: string }
  | { kind: 'replica'; master: string | null }
  | { kind: 'missing-commands'; commands: string[] }
  | { kind: 'memory-full'; used: string | null; max: string | null; policy: string | null }
  | { kind: 'acl-refused'; user: string; refusals: string[] }
  | { kind: 'refused'; command: string; reply: string };

/** Start-up refused: the target would take the ready line and then drop every batch. */
export class UnusableWriteTarget extends Refused {
  constructor(
    readonly target: string,
    readonly problems: readonly WriteTargetProblem[],
  ) {
    super(`${target} ${problems.map(describeProblem).join('; also, it ')}`);
  }
}

/** Stands in for a device id, a topic and a bucket in the probe's key names; never written. */
const PROBE_ID = 'write-check';

/**
 * One command per command the workbench sends while it writes, each on a key (or channel) it really
 * uses, so that an ACL's key and channel patterns are judged along with its commands. The commands
 * its scripts run are listed on their own: Redis checks each of them when the script runs.
 */
export function writeTargetProbe(keys: KeySchema): RedisCommand[] {
  const bucket = keys.energyBucket(PROBE_ID, 0);
  const meter = keys.meterDevice(PROBE_ID);
  const archived = keys.meterArchived(PROBE_ID);
  return [
    // The ingest's batches (core/ingest/write-buffer.ts and core/model/*-persist.ts) and its per-reading strategy.
    ['EVAL', 'return 0', 2, keys.sensorData, keys.deviceHash(PROBE_ID)],
    ['ZADD', keys.sensorData, 0, PROBE_ID],
    ['HSET', keys.deviceHash(PROBE_ID), 'temperature', 0],
    ['INCRBY', keys.climateCounter('hot'), 0],
    ['INCR', keys.climateCounter('hot')],
    ['PUBLISH', keys.warningsChannel, ''],
    ['RPUSH', bucket, ''],
    ['SADD', keys.energyPending, bucket],
    ['HSET', meter, 'lastSeen', 0],
    ['HSETNX', meter, 'firstSeen', 0],
    ['HINCRBY', meter, 'readings', 0],
    ['ZADD', keys.meterBuckets(PROBE_ID), 0, 0],
    ['ZADD', keys.meters, 0, PROBE_ID],
    ['HSET', keys.topicHash(PROBE_ID), 'value', ''],
    ['LPUSH', keys.deadLetters, ''],
    ['LTRIM', keys.deadLetters, 0, -1],
    ['HINCRBY', keys.rejectedCounts, PROBE_ID, 0],
    ['SET', keys.writerProgress(PROBE_ID), '', 'EX', 1],
    ['GET', keys.writerProgress(PROBE_ID)],
    // The live indexes the batch scripts keep (core/model/index-persist.ts).
    ['HVALS', keys.indexDefinitions],
    ['HGET', keys.deviceHash(PROBE_ID), 'climate'],
    ['SADD', keys.indexValueSet(PROBE_ID, PROBE_ID), PROBE_ID],
    ['SREM', keys.indexValueSet(PROBE_ID, PROBE_ID), PROBE_ID],
    ['ZADD', keys.indexSortedSet(PROBE_ID), 0, PROBE_ID],
    ['ZREM', keys.indexSortedSet(PROBE_ID), PROBE_ID],
    // The archiver (core/archive, core/model/energy-archive-persist.ts).
    ['SSCAN', keys.energyPending, 0],
    ['SCARD', keys.energyPending],
    ['LLEN', bucket],
    ['LRANGE', bucket, 0, -1],
    ['EXISTS', bucket],
    ['DEL', bucket],
    ['SREM', keys.energyPending, bucket],
    ['ZRANGEBYSCORE', archived, 0, 0],
    ['ZREMRANGEBYSCORE', archived, 0, 0],
    ['ZADD', archived, 0, ''],
    ['SET', keys.archiveLastRun, ''],
    // The device registry (core/devices).
    ['SADD', keys.registeredDevices, PROBE_ID],
    ['SREM', keys.registeredDevices, PROBE_ID],
    ['SSCAN', keys.registeredDevices, 0],
    ['HGETALL', meter],
    ['HEXISTS', meter, 'registered'],
    ['HGET', meter, 'auth'],
    ['HDEL', meter, 'registered'],
  ];
}

/**
 * Asks the server what it is (INFO) and whether it would take each of the workbench's commands: they
 * are queued in a MULTI that is then discarded, so Redis judges every one (unknown command, ACL,
 * cluster slot, read-only replica, out of memory) exactly as for a real batch and runs none of them.
 * ACL DRYRUN would need the user to hold @admin; the queued commands need nothing the writes do not.
 */
export async function checkWriteTarget(url: string, keys: KeySchema): Promise<WriteTargetProblem[]> {
  const redis = openCheckConnection(url);
  try {
    await redis.connect();
    const info = await readInfo(redis);
    // A cluster node refuses most of the probe (MOVED, CROSSSLOT): those refusals would only be noise.
    if (info?.cluster_enabled === '1') return [{ kind: 'cluster-node' }];
    return problemsOf(info, await probe(redis, writeTargetProbe(keys)), redis.options.username || 'default');
  } finally {
    redis.disconnect();
  }
}

/** Throws UnusableWriteTarget, whose message is the one line `serve` prints, when the check finds a problem. */
export async function refuseUnusableWriteTarget(url: string, keys: KeySchema): Promise<void> {
  const problems = await checkWriteTarget(url, keys);
  if (problems.length > 0) throw new UnusableWriteTarget(redactUrl(url), problems);
}

/**
 * The cluster of --redis-cluster: it must say cluster_state:ok, and no master may be full. The
 * command probe above is not run: a MULTI over the workbench's keys would span slots, which a
 * cluster refuses whatever the server would make of the commands themselves.
 */
export async function refuseUnusableCluster(cluster: Cluster, description: string): Promise<void> {
  const masters = cluster.nodes('master');
  const state = /cluster_state:(\w+)/.exec(String(await masters[0]!.call('CLUSTER', 'INFO')))?.[1] ?? 'unknown';
  const problems: WriteTargetProblem[] = state === 'ok' ? [] : [{ kind: 'cluster-down', state }];
  for (const master of masters) {
    const info = await readInfo(master);
    if (memoryFull(info)) {
      problems.push({ kind: 'memory-full', used: info?.used_memory_human ?? null, max: info?.maxmemory_human ?? null, policy: info?.maxmemory_policy ?? null });
      break;
    }
  }
  if (problems.length > 0) throw new UnusableWriteTarget(description, problems);
}

/**
 * Its own connection, so a MULTI left open (a server without DISCARD) dies with it; one attempt, as
 * the start that called it has just connected; no ready check, whose INFO an ACL user may not run.
 */
function openCheckConnection(url: string): Redis {
  const redis = new Redis(url, {
    connectionName: 'sensor-workbench:write-check',
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

type ServerInfo = Record<string, string>;

/** INFO's fields, or null when the server refuses INFO (an ACL user without @dangerous): the probe still speaks. */
async function readInfo(redis: Redis): Promise<ServerInfo | null> {
  try {
    const text = await redis.info();
    return Object.fromEntries(
      text
        .split(/\r?\n/)
        .filter((line) => line.includes(':') && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
    );
  } catch (error) {
    if (error instanceof ReplyError) return null;
    throw error;
  }
}

interface Refusal {
  command: RedisCommand;
  reply: string;
}

/** The commands the server refused to queue. MULTI goes alone first: were it refused, the rest would run. */
async function probe(redis: Redis, commands: RedisCommand[]): Promise<Refusal[]> {
  const multi = await replyOf(redis.call('MULTI'));
  if (multi !== null) return [{ command: ['MULTI'], reply: multi }];
  const pipeline = redis.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, ...args);
  pipeline.call('DISCARD');
  const replies = (await pipeline.exec()) ?? [];
  return commands.flatMap((command, i) => {
    const error: unknown = replies[i]?.[0];
    return error instanceof Error ? [{ command, reply: oneLine(error.message) }] : [];
  });
}

/** The error reply's text, or null when the command was accepted. */
async function replyOf(pending: Promise<unknown>): Promise<string | null> {
  try {
    await pending;
    return null;
  } catch (error) {
    if (error instanceof ReplyError) return oneLine((error as Error).message);
    throw error;
  }
}

type RefusalKind = 'cluster' | 'replica' | 'memory' | 'missing' | 'acl' | 'other';

/** Redis' error codes, in the order it checks a command: unknown, ACL, cluster slot, memory, replica. */
function refusalKind(reply: string): RefusalKind {
  if (/^ERR unknown command/i.test(reply)) return 'missing';
  if (/^NOPERM\b/.test(reply)) return 'acl';
  if (/^(MOVED|ASK|CROSSSLOT|CLUSTERDOWN)\b/.test(reply)) return 'cluster';
  if (/^OOM\b/.test(reply)) return 'memory';
  if (/^READONLY\b/.test(reply)) return 'replica';
  return 'other';
}

function problemsOf(info: ServerInfo | null, refusals: Refusal[], user: string): WriteTargetProblem[] {
  const of = (kind: RefusalKind) => refusals.filter(({ reply }) => refusalKind(reply) === kind);
  if (of('cluster').length > 0) return [{ kind: 'cluster-node' }];
  const problems: WriteTargetProblem[] = [];
  if (info?.role === 'slave' || of('replica').length > 0) problems.push({ kind: 'replica', master: masterOf(info) });
  if (memoryFull(info) || of('memory').length > 0) {
    problems.push({ kind: 'memory-full', used: info?.used_memory_human ?? null, max: info?.maxmemory_human ?? null, policy: info?.maxmemory_policy ?? null });
  }
  const missing = unique(of('missing').map(({ command }) => command[0]));
  if (missing.length > 0) problems.push({ kind: 'missing-commands', commands: missing });
  const denied = unique(of('acl').map(describeAclRefusal));
  if (denied.length > 0) problems.push({ kind: 'acl-refused', user, refusals: denied });
  const [other] = of('other');
  if (other) problems.push({ kind: 'refused', command: other.command[0], reply: other.reply });
  return problems;
}

function masterOf(info: ServerInfo | null): string | null {
  return info?.master_host && info.master_port ? `${info.master_host}:${info.master_port}` : null;
}

/** What INFO shows; Redis itself refuses a little earlier (it leaves out replication buffers), which the probe catches. */
function memoryFull(info: ServerInfo | null): boolean {
  const max = Number(info?.maxmemory ?? 0);
  return max > 0 && info?.maxmemory_policy === 'noeviction' && Number(info.used_memory) >= max;
}

/** `ZADD on key SensorData`, `PUBLISH to channel Warnings` or `ZADD`, after what NOPERM says is missing. */
function describeAclRefusal({ command: [name, ...args], reply }: Refusal): string {
  if (/\bchannel/i.test(reply)) return `${name} to channel ${String(args[0])}`;
  // EVAL's keys come after the script and their count.
  if (/\bkey/i.test(reply)) return `${name} on key ${String(name === 'EVAL' ? args[2] : args[0])}`;
  return name;
}

function describeProblem(problem: WriteTargetProblem): string {
  switch (problem.kind) {
    case 'cluster-node':
      return (
        'is a Redis Cluster node, which --redis-url cannot write to (a batch would span slots): ' +
        'give the cluster as --redis-cluster host:port[,host:port…] (roles ingest and udp), and add it on the Connections page to inspect it'
      );
    case 'cluster-down':
      return `says cluster_state:${problem.state}: it serves no writes until every slot has a master again (redis-cli --cluster check)`;
    case 'replica':
      return problem.master
        ? `is a replica of ${problem.master}, which refuses or loses writes: point --redis-url at its master, redis://${problem.master}`
        : 'is a replica, which refuses or loses writes: point --redis-url at its master';
    case 'memory-full':
      return (
        `has no room for writes: used_memory ${problem.used ?? '?'} against maxmemory ${problem.max ?? '?'} with maxmemory-policy ${problem.policy ?? '?'}, ` +
        'so every write is refused (OOM); raise maxmemory (CONFIG SET maxmemory) or free memory (an allkeys-* policy would make room by evicting keys, readings included)'
      );
    case 'missing-commands':
      return (
        `does not offer ${problem.commands.join(', ')}, which the workbench's writes need ` +
        '(renamed or disabled with rename-command, or a Redis-compatible server without them): enable them, or use a Redis that has them'
      );
    case 'acl-refused':
      return (
        `refuses the ACL user '${problem.user}' ${listed(problem.refusals)} (NOPERM): ` +
        `grant them (e.g. ACL SETUSER ${problem.user} ~* &* +@all), or connect as a user that may write the workbench's keys`
      );
    case 'refused':
      return `refused ${problem.command} at start (${problem.reply}): fix the server, or use another --redis-url`;
  }
}

/** At most five, so the line stays one a user reads. */
function listed(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
