import { ReplyError } from 'ioredis';
import type { IndexStatus, IndexVerifyReport } from '../api/indexes.js';
import { Conflict, NotFound, Refused } from '../domain/errors.js';
import { indexDefinitionSchema, type IndexDefinitionInput, type IndexState, INDEX_STATES } from '../domain/index-definition.js';
import { backfillStepCommand, defineIndexCommand, indexRecord, moveBuildStateCommand, type IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import type { RedisClient } from '../redis/redis-target.js';
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
    const created = await this.send(defineIndexCommand(record, keys, Date.now()));
    if (created !== 1) throw new Conflict(`an index named ${definition.name} exists already`);
    this.options.log(`index ${definition.name}: defined (${definition.kind} of ${definition.field} over ${definition.match}), building`);
    this.start(definition.name);
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

  private start(name: string): void {
    if (this.running.has(name)) return;
    const abort = new AbortController();
    const done = this.run(name, abort.signal).finally(() => this.running.delete(name));
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
        reply = (await this.send(backfillStepCommand(name, keys, settings.scanCount, Date.now(), pacer.rate))) as typeof reply;
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

  private async fail(name: string, message: string): Promise<void> {
    this.options.log(`index ${name}: build FAILED: ${message}`);
    await this.options.redis.hset(this.options.keys.indexBuild(name), 'state', 'failed', 'lastError', message).catch(() => undefined);
  }

  private async removeKeys(name: string): Promise<void> {
    const { redis, keys } = this.options;
    let cursor = '0';
    do {
      const [next, values] = await redis.sscan(keys.indexValues(name), cursor, 'COUNT', UNLINK_BATCH);
      if (values.length > 0) await redis.unlink(...values.map((value) => keys.indexValueSet(name, value)));
      cursor = next;
    } while (cursor !== '0');
    await redis.unlink(keys.indexSortedSet(name), keys.indexValues(name), keys.indexBuild(name));
  }

  private async statusOf(record: IndexRecord): Promise<IndexStatus> {
    const { redis, keys } = this.options;
    const [build, keysInDb, entries] = await Promise.all([redis.hgetall(keys.indexBuild(record.name)), redis.dbsize(), this.entryCount(record)]);
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
    const pipeline = redis.pipeline();
    for (const value of values) pipeline.scard(keys.indexValueSet(record.name, value));
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  }

  private send([name, ...args]: RedisCommand): Promise<unknown> {
    return this.options.redis.call(name, ...args);
  }
}
