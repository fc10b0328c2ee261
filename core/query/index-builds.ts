import { ReplyError, type Cluster } from 'ioredis';
import type { IndexStatus, IndexVerifyReport } from '../api/indexes.js';
import { Conflict, NotFound, Refused } from '../domain/errors.js';
import { indexDefinitionSchema, type IndexDefinitionInput, type IndexState, INDEX_STATES } from '../domain/index-definition.js';
import { backfillStepCommand, defineIndexCommand, indexRecord, moveBuildStateCommand, type IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import { isCluster, mastersOf, type RedisClient } from '../redis/redis-target.js';
import { execGrouped, readGrouped } from '../redis/slot-groups.js';
import { clusterBackfillStep, formatWalkCursor, parseWalkCursor } from './cluster-index-walk.js';
import { IndexPacer } from './index-pacer.js';
import { verifyIndex } from './index-verify.js';

export interface IndexBuildSettings {
  /** Keys per second a build or verify walks at most (--index-build-rate). */
  rate: number;
  /** SCAN COUNT of one step: the most keys one atomic step reads and writes. */
  scanCount: number;
}

export interface IndexBuildsOptions {
  redis: RedisClient;
  keys: KeySchema;
  settings: IndexBuildSettings;
  /** Why this connection may not write (read-only, a cluster); null when it may. */
  buildRefusal: string | null;
  log: (line: string) => void;
}

/** After a failure that may pass (connection lost, Redis restarting) the step is tried again after this. */
const RETRY_MS = 1000;
/** Redis error replies that mean "not now": the step is tried again rather than the build failed. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|READONLY|MASTERDOWN|CLUSTERDOWN)\b/;
/** Index keys removed per UNLINK when an index is dropped. */
const UNLINK_BATCH = 500;
/**
 * On a cluster, how long a fresh build waits before its first step: the ingest reads the index
 * definitions at the start of each batch (they lie in another slot than the hashes), so a batch
 * begun just before the definition writes its hashes without moving the new index; by the time
 * this has passed such batches are done, and the backfill's re-read catches every later change.
 */
export const CLUSTER_DEFINE_SETTLE_MS = 1000;

/** Saves a client-side step's progress (a cluster's build), only while the build is still building. KEYS: build. ARGV: cursor, now, rate, scanned, added, done (1/0). */
const SAVE_STEP_SCRIPT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'building' then return 0 end
redis.call('HSET', KEYS[1], 'cursor', ARGV[1], 'updatedAt', ARGV[2], 'rate', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'scanned', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'entries', ARGV[5])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'state', 'ready', 'finishedAt', ARGV[2]) end
return 1
`;

/**
 * The indexes of one Redis and their builds. Defining an index writes its definition, which every
 * batch script reads, and only then starts the backfill: so every change ingest makes from that
 * moment is in the index, and the backfill covers what was there before. Each backfill step is one
 * script (SCAN, read, write, save the cursor) that no batch can run in the middle of, so the two
 * never race; a restart resumes each build from its saved cursor.
 */
export class IndexBuilds {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly options: IndexBuildsOptions) {}

  get buildRefusal(): string | null {
    return this.options.buildRefusal;
  }

  /** Defines the index and starts building it. */
  async define(input: IndexDefinitionInput): Promise<IndexStatus> {
    this.refuseWrites('building an index');
    const definition = indexDefinitionSchema.parse(input);
    const { redis, keys } = this.options;
    const record = indexRecord(definition, keys);
    if ((await redis.hexists(keys.indexDefinitions, definition.name)) === 0) await this.removeKeys(definition.name);
    const created = isCluster(redis) ? await this.defineOnCluster(record) : await this.send(defineIndexCommand(record, keys, Date.now()));
    if (created !== 1) throw new Conflict(`an index named ${definition.name} exists already`);
    this.options.log(`index ${definition.name}: defined (${definition.kind} of ${definition.field} over ${definition.match}), building`);
    this.start(definition.name, isCluster(redis) ? CLUSTER_DEFINE_SETTLE_MS : 0);
    return this.status(definition.name);
  }

  /** Resumes every build a previous run left in state building, from its saved cursor. */
  async resumeAll(): Promise<void> {
    if (this.options.buildRefusal !== null) return;
    for (const record of await this.records()) {
      if ((await this.options.redis.hget(this.options.keys.indexBuild(record.name), 'state')) === 'building') this.start(record.name);
    }
  }

  async pause(name: string): Promise<IndexStatus> {
    this.refuseWrites('pausing a build');
    await this.record(name);
    if ((await this.send(moveBuildStateCommand(name, this.options.keys, 'building', 'paused', Date.now()))) !== 1) {
      throw new Conflict(`index ${name} is not building`);
    }
    await this.stopRunner(name);
    return this.status(name);
  }

  async resume(name: string): Promise<IndexStatus> {
    this.refuseWrites('resuming a build');
    await this.record(name);
    const { keys } = this.options;
    const moved = (await this.send(moveBuildStateCommand(name, keys, 'paused', 'building', Date.now()))) === 1 ||
      (await this.send(moveBuildStateCommand(name, keys, 'failed', 'building', Date.now()))) === 1;
    if (!moved && !this.running.has(name)) {
      if ((await this.options.redis.hget(keys.indexBuild(name), 'state')) !== 'building') throw new Conflict(`index ${name} is neither paused nor failed`);
    }
    this.start(name);
    return this.status(name);
  }

  /** Removes the definition first (ingest stops maintaining it in its next batch), then its keys. */
  async drop(name: string): Promise<void> {
    this.refuseWrites('deleting an index');
    await this.record(name);
    await this.stopRunner(name);
    await this.options.redis.hdel(this.options.keys.indexDefinitions, name);
    await this.removeKeys(name);
    this.options.log(`index ${name}: deleted`);
  }

  /** Compares the index with a fresh scan; repairing needs a connection that may write. */
  async verify(name: string, repair: boolean): Promise<IndexVerifyReport> {
    if (repair) this.refuseWrites('repairing an index');
    const record = await this.record(name);
    const report = await verifyIndex(this.options.redis, this.options.keys, record, { repair, ...this.options.settings });
    if (this.options.buildRefusal === null) await this.options.redis.hset(this.options.keys.indexBuild(name), 'lastVerify', JSON.stringify(report));
    return report;
  }

  async list(): Promise<IndexStatus[]> {
    const records = await this.records();
    return Promise.all(records.map((record) => this.statusOf(record)));
  }

  async status(name: string): Promise<IndexStatus> {
    return this.statusOf(await this.record(name));
  }

  /** Resolves once the build of `name` has stopped running (finished, paused, failed or stopped). */
  async settled(name: string): Promise<void> {
    await this.running.get(name)?.done;
  }

  /** Stops every build between two steps; their cursors stay saved for the next start. */
  async stop(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stopRunner(name)));
  }

  async record(name: string): Promise<IndexRecord> {
    const json = await this.options.redis.hget(this.options.keys.indexDefinitions, name);
    if (json === null) throw new NotFound(`no index named ${name}`);
    return JSON.parse(json) as IndexRecord;
  }

  private async records(): Promise<IndexRecord[]> {
    const all = await this.options.redis.hvals(this.options.keys.indexDefinitions);
    return all.map((json) => JSON.parse(json) as IndexRecord).sort((a, b) => a.name.localeCompare(b.name));
  }

  private refuseWrites(what: string): void {
    if (this.options.buildRefusal !== null) throw new Refused(`${what} writes to Redis, and ${this.options.buildRefusal}`);
  }

  /**
   * On a cluster the definition and the build state lie in two slots, so the one-script define is
   * two steps: the name is claimed in the definitions hash (HSETNX: from here on every batch keeps
   * the index current), then the build state is written.
   */
  private async defineOnCluster(record: IndexRecord): Promise<number> {
    const { redis, keys } = this.options;
    if ((await redis.exists(keys.indexBuild(record.name))) === 1) return 0;
    if ((await redis.hsetnx(keys.indexDefinitions, record.name, JSON.stringify(record))) !== 1) return 0;
    const now = Date.now();
    await redis.hset(keys.indexBuild(record.name), 'state', 'building', 'cursor', formatWalkCursor({ node: 0, cursor: '0' }), 'scanned', 0, 'entries', 0, 'startedAt', now, 'updatedAt', now);
    return 1;
  }

  private start(name: string, delayMs = 0): void {
    if (this.running.has(name)) return;
    const abort = new AbortController();
    const done = sleep(delayMs, abort.signal)
      .then(() => (abort.signal.aborted ? undefined : this.run(name, abort.signal)))
      .finally(() => this.running.delete(name));
    this.running.set(name, { abort, done });
  }

  private async stopRunner(name: string): Promise<void> {
    const runner = this.running.get(name);
    if (!runner) return;
    runner.abort.abort();
    await runner.done;
  }

  private async run(name: string, signal: AbortSignal): Promise<void> {
    const { keys, settings, log } = this.options;
    const pacer = new IndexPacer(settings.rate);
    while (!signal.aborted) {
      let reply: [IndexState | 'gone', string, number, number];
      try {
        reply = isCluster(this.options.redis)
          ? await this.clusterStep(name, pacer.rate)
          : ((await this.send(backfillStepCommand(name, keys, settings.scanCount, Date.now(), pacer.rate))) as typeof reply);
      } catch (caught) {
        const error = caught as Error;
        if (error instanceof ReplyError && !TRANSIENT_REPLY.test(error.message)) {
          await this.fail(name, error.message);
          return;
        }
        log(`index ${name}: build step failed (${error.message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      const [state, , scanned] = reply;
      if (state !== 'building') {
        if (state === 'ready') log(`index ${name}: built`);
        return;
      }
      await pacer.paid(scanned, signal);
    }
  }

  /** A cluster's backfill step (cluster-index-walk.ts), its progress saved like the script's: [state, cursor, scanned, added]. */
  private async clusterStep(name: string, rate: number): Promise<[IndexState | 'gone', string, number, number]> {
    const { redis, keys, settings } = this.options;
    const json = await redis.hget(keys.indexDefinitions, name);
    if (json === null) return ['gone', '0', 0, 0];
    const build = await redis.hmget(keys.indexBuild(name), 'state', 'cursor');
    const state = (build[0] ?? 'gone') as IndexState | 'gone';
    if (state !== 'building') return [state, build[1] ?? '0', 0, 0];
    const step = await clusterBackfillStep(redis as Cluster, keys, JSON.parse(json) as IndexRecord, parseWalkCursor(build[1] ?? undefined), settings.scanCount);
    const cursor = step.next === null ? '0' : formatWalkCursor(step.next);
    const saved = await redis.eval(SAVE_STEP_SCRIPT, 1, keys.indexBuild(name), cursor, Date.now(), Math.round(rate), step.scanned, step.added, step.next === null ? 1 : 0);
    if (saved !== 1) return [((await redis.hget(keys.indexBuild(name), 'state')) ?? 'gone') as IndexState | 'gone', cursor, step.scanned, step.added];
    if (step.next === null) this.options.log(`index ${name}: every master of the cluster walked`);
    return [step.next === null ? 'ready' : 'building', cursor, step.scanned, step.added];
  }

  private async fail(name: string, message: string): Promise<void> {
    this.options.log(`index ${name}: build FAILED: ${message}`);
    await this.options.redis.hset(this.options.keys.indexBuild(name), 'state', 'failed', 'lastError', message).catch(() => undefined);
  }

  private async removeKeys(name: string): Promise<void> {
    const { redis, keys } = this.options;
    let cursor = '0';
    // One UNLINK per key, grouped per node: a cluster refuses an UNLINK over keys of several slots.
    const unlink = (names: string[]) => readGrouped(redis, names.map((key): RedisCommand => ['unlink', key]));
    do {
      const [next, values] = await redis.sscan(keys.indexValues(name), cursor, 'COUNT', UNLINK_BATCH);
      if (values.length > 0) await unlink(values.map((value) => keys.indexValueSet(name, value)));
      cursor = next;
    } while (cursor !== '0');
    await unlink([keys.indexSortedSet(name), keys.indexValues(name), keys.indexBuild(name)]);
  }

  private async statusOf(record: IndexRecord): Promise<IndexStatus> {
    const { redis, keys } = this.options;
    const [build, keysInDb, entries] = await Promise.all([redis.hgetall(keys.indexBuild(record.name)), dbSizeOf(redis), this.entryCount(record)]);
    const state = (INDEX_STATES as readonly string[]).includes(build.state ?? '') ? (build.state as IndexState) : 'failed';
    const scanned = Number(build.scanned ?? 0);
    const rate = state === 'building' ? Number(build.rate ?? 0) : 0;
    const { name, match, field, kind, transform } = record;
    return {
      definition: { name, match, field, kind, transform },
      live: record.live !== null,
      state,
      cursor: build.cursor ?? '0',
      scanned,
      keysInDb,
      entries,
      rate,
      etaSeconds: state === 'building' && rate > 0 ? Math.max(0, keysInDb - scanned) / rate : null,
      startedAt: Number(build.startedAt ?? 0),
      updatedAt: Number(build.updatedAt ?? 0),
      finishedAt: build.finishedAt ? Number(build.finishedAt) : null,
      lastError: build.lastError ?? null,
      lastVerify: build.lastVerify ? (JSON.parse(build.lastVerify) as IndexVerifyReport) : null,
      keyPattern: kind === 'set' ? keys.indexValueSet(name, '<value>') : keys.indexSortedSet(name),
    };
  }

  /** Members of the zset, or of every value's set (one pipelined SCARD per value). */
  private async entryCount(record: IndexRecord): Promise<number> {
    const { redis, keys } = this.options;
    if (record.kind === 'zset') return redis.zcard(record.entriesKey);
    const values = await redis.smembers(record.valuesKey);
    if (values.length === 0) return 0;
    const replies = await execGrouped(redis, values.map((value): RedisCommand => ['scard', keys.indexValueSet(record.name, value)]));
    return replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  }

  private send([name, ...args]: RedisCommand): Promise<unknown> {
    return this.options.redis.call(name, ...args);
  }
}

/** DBSIZE, added up over a cluster's masters (each counts only its own slots). */
async function dbSizeOf(redis: RedisClient): Promise<number> {
  const sizes = await Promise.all(mastersOf(redis).map((node) => node.dbsize()));
  return sizes.reduce((sum, size) => sum + size, 0);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
