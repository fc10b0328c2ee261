import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { Conflict } from '../domain/errors.js';
import { isStale } from '../model/energy-bucket.js';
import type { EnergyBucketRef, KeySchema } from '../model/keys.js';
import type {
  ArchivedObjects,
  ArchiveProgress,
  ArchiveRunSummary,
  ArchiveStatus,
  PendingBucket,
  PendingBuckets,
  S3ConnectionCheck,
} from '../api/archive.js';
import { bucketOf, runArchivePass } from './archive-pass.js';
import { ArchiverLease } from './archiver-lease.js';
import { archiveBucket } from './bucket-archive.js';
import { BucketEncoder } from './bucket-encoder.js';
import { EnergyObjectStore } from './energy-object-store.js';
import { FailureBackoff } from './failure-backoff.js';
import { RedisRequestError } from './redis-request-error.js';
import { addPass, emptyProgress, NO_ARCHIVE_PASSES, summarize, summaryLine, type ArchiveTotals } from './run-summary.js';
import { createS3Client, describeTarget } from './s3-client.js';
import { checkS3Connection, NO_BUCKET_PROBLEM } from './s3-connection-check.js';
import { S3RequestError } from './s3-error.js';

export interface ArchiverOptions {
  redis: Redis;
  keys: KeySchema;
  energy: Config['energy'];
  archive: Config['archive'];
  log: (line: string) => void;
  /** Clock in ms since epoch; decides which buckets are stale. */
  now?: () => number;
  /** Waits between automatic attempts while S3 fails; DEFAULT_RETRY_DELAYS_MS when not given. */
  retryDelaysMs?: readonly number[];
  /** Runs between a verified upload and the Redis finalize; a seam for tests of what can happen there. */
  afterUpload?: (bucket: EnergyBucketRef) => Promise<void>;
  /** This archiver's id on the Archive page and in the lease; random unless given. */
  holderId?: string;
}

interface RunningPass {
  progress: ArchiveProgress;
  done: Promise<ArchiveRunSummary>;
}

/**
 * The side loop from Redis to S3: every intervalSeconds (and on demand) one pass moves the stale
 * buckets of the pending set into LZ4 objects in S3. While S3 fails, automatic passes back off.
 */
export class Archiver {
  private readonly client: S3Client | null;
  private readonly store: EnergyObjectStore | null;
  private readonly backoff: FailureBackoff;
  private readonly encoder: BucketEncoder;
  private readonly now: () => number;
  /** Pending entries that are not bucket lists of this namespace, each logged once. */
  private readonly foreignEntries = new Set<string>();
  private running: RunningPass | null = null;
  private passTotals: ArchiveTotals = NO_ARCHIVE_PASSES;
  private timer: NodeJS.Timeout | null = null;
  private nextRunAt: number | null = null;
  private started = false;
  private stopped = false;
  /** One archiver at a time across processes: passes run only while this one holds it. */
  readonly lease: ArchiverLease;
  private leaseLostLogged = false;

  constructor(private readonly options: ArchiverOptions) {
    this.now = options.now ?? Date.now;
    this.lease = new ArchiverLease({
      redis: options.redis,
      keys: options.keys,
      leaseMs: options.archive.leaseMs,
      log: options.log,
      ...(options.holderId !== undefined && { holderId: options.holderId }),
    });
    this.backoff = new FailureBackoff(options.retryDelaysMs);
    this.encoder = new BucketEncoder(options.log);
    const { s3 } = options.archive;
    this.client = s3.bucket !== undefined ? createS3Client(s3) : null;
    this.store = this.client !== null && s3.bucket !== undefined ? new EnergyObjectStore(this.client, { ...s3, bucket: s3.bucket }) : null;
  }

  /** Starts the automatic passes (none when intervalSeconds is 0 or no bucket is configured). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.prepareBucket();
    if (this.store !== null) {
      this.lease.start();
      // A new holder (at start, or taking over from one that died) archives at once rather than an interval later.
      void this.lease.acquired().then(() => {
        if (!this.stopped && this.options.archive.intervalSeconds > 0) this.runNow('interval').catch(() => undefined);
      });
    }
    this.schedule();
  }

  /**
   * Starts the LZ4 worker and creates a missing bucket at start-up (when allowed) rather than at the
   * first upload, so the Archive page can list objects and test the connection on a fresh setup. A
   * failure here is only logged: the first pass asks again and reports it.
   */
  private prepareBucket(): void {
    if (this.store === null) return;
    this.encoder.warmUp();
    if (!this.options.archive.s3.createBucket) return;
    this.store.ensureBucket().catch((error: unknown) => this.options.log(`archive: could not prepare the bucket yet: ${(error as Error).message}`));
  }

  /** Starts no further bucket and resolves once the buckets in progress are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.running?.done;
    await this.lease.stop();
    this.client?.destroy();
    await this.encoder.close();
  }

  /** Runs a pass, or joins the one already running; refused (Conflict) while another archiver holds the lease. */
  runNow(trigger: ArchiveProgress['trigger']): Promise<ArchiveRunSummary> {
    if (this.running !== null) return this.running.done;
    if (this.stopped) return Promise.reject(new Error('the archiver is stopped'));
    const progress = emptyProgress(trigger, this.now());
    if (this.store === null) return Promise.resolve(summarize(progress, progress.startedAt, NO_BUCKET_PROBLEM));
    if (!this.lease.holding()) {
      // Not started yet, or the lease is free: take it now if nobody holds it.
      return this.lease.takeNow().then((held) => (held && this.lease.holding() ? this.runNow(trigger) : Promise.reject(new Conflict(this.notHoldingReason()))));
    }
    this.leaseLostLogged = false;
    const done = this.pass(this.store, progress).finally(() => {
      this.running = null;
      this.schedule();
    });
    this.running = { progress, done };
    return done;
  }

  /** The passes of this run of the workbench, added up. */
  totals(): ArchiveTotals {
    return this.passTotals;
  }

  /** Resolves once this archiver holds the lease (taking it if free); a Conflict naming the lease otherwise. */
  async ensureLease(): Promise<void> {
    if (this.store === null || this.lease.holding()) return;
    if (!(await this.lease.takeNow())) throw new Conflict(this.notHoldingReason());
  }

  /** Why this archiver does not archive now: who holds the lease, or that nobody does yet. */
  notHoldingReason(): string {
    return (
      `another archiver holds the archiver lease (${this.options.keys.archiveLease}): one archiver at a time archives; ` +
      `this one (${this.lease.holderId}) takes over within ${Math.round((2 * this.options.archive.leaseMs) / 1000)} s once that one stops`
    );
  }

  async status(): Promise<ArchiveStatus> {
    const { redis, keys, energy, archive } = this.options;
    // The lease is read even where this process does not archive (no bucket, or a role without the schedule): the page still names who does.
    const [pending, lastRun, lease] = await Promise.all([redis.scard(keys.energyPending), redis.get(keys.archiveLastRun), this.lease.current()]);
    const failing = this.backoff.failing;
    return {
      configured: this.store !== null,
      reason: this.store === null ? NO_BUCKET_PROBLEM : null,
      target: describeTarget(archive.s3),
      bucketSeconds: energy.bucketSeconds,
      graceSeconds: energy.graceSeconds,
      intervalSeconds: archive.intervalSeconds,
      nextRunAt: this.nextRunAt,
      pending,
      running: this.running !== null ? { ...this.running.progress } : null,
      lastRun: parseLastRun(lastRun),
      failing: failing !== null ? { ...failing } : null,
      lease,
      archiverId: this.lease.holderId,
      leaseMs: archive.leaseMs,
    };
  }

  /** One SSCAN step of the pending set, with each bucket's LLEN; entries that are not buckets are skipped. */
  async pending(cursor: string, count: number): Promise<PendingBuckets> {
    const { redis, keys, energy } = this.options;
    const [next, names] = await redis.sscan(keys.energyPending, cursor, 'COUNT', count);
    const entries = names.flatMap((key) => {
      const bucket = bucketOf(keys, key);
      return bucket !== null ? [{ key, ...bucket }] : [];
    });
    const lengths = await Promise.all(entries.map(({ key }) => redis.llen(key)));
    const nowSeconds = Math.floor(this.now() / 1000);
    const buckets = entries.map(
      (entry, i): PendingBucket => ({
        ...entry,
        readings: lengths[i] ?? 0,
        stale: isStale(entry.bucketStart, energy.bucketSeconds, energy.graceSeconds, nowSeconds),
      }),
    );
    return { buckets, cursor: next };
  }

  /** One page of the archived objects in S3, in key order after `after`. */
  objects(after: string | null): Promise<ArchivedObjects> {
    if (this.store === null) return Promise.reject(new Conflict(NO_BUCKET_PROBLEM));
    return this.store.page(after);
  }

  checkConnection(): Promise<S3ConnectionCheck> {
    return checkS3Connection(this.options.archive.s3);
  }

  private async pass(store: EnergyObjectStore, progress: ArchiveProgress): Promise<ArchiveRunSummary> {
    const { redis, keys, energy, archive, log, afterUpload } = this.options;
    let error: string | null = null;
    try {
      await runArchivePass({
        redis,
        keys,
        bucketSeconds: energy.bucketSeconds,
        graceSeconds: energy.graceSeconds,
        nowSeconds: Math.floor(progress.startedAt / 1000),
        scanCount: archive.scanCount,
        concurrency: archive.concurrency,
        progress,
        archiveOne: (bucket) => archiveBucket({ redis, keys, store, encoder: this.encoder, log, afterUpload, token: () => this.lease.token }, bucket),
        stopping: () => this.stopped || this.leaseLost(),
        onForeignEntry: (name) => this.logForeignEntry(name),
        log,
      });
      this.backoff.succeeded();
    } catch (cause) {
      error = describePassFailure(cause);
      const { retryAt } = this.backoff.failed(error, this.now());
      const retry = archive.intervalSeconds > 0 ? `next attempt in ${Math.round((retryAt - this.now()) / 1000)} s` : 'run it again once fixed';
      log(`archive: failing, buckets stay in Redis: ${error}; ${retry}`);
    }
    const summary = summarize(progress, this.now(), error);
    this.passTotals = addPass(this.passTotals, summary);
    // An interval pass that found nothing stale is the normal case, every few minutes: not worth a line.
    if (summary.bucketsTotal > 0 || progress.trigger === 'manual') log(summaryLine(summary));
    await this.saveLastRun(summary);
    return summary;
  }

  private async saveLastRun(summary: ArchiveRunSummary): Promise<void> {
    try {
      await this.options.redis.set(this.options.keys.archiveLastRun, JSON.stringify(summary));
    } catch (error) {
      this.options.log(`archive: the run summary was not saved to Redis: ${(error as Error).message}`);
    }
  }

  /** True once the lease is gone mid-pass: the pass starts no further bucket (said once in the log). */
  private leaseLost(): boolean {
    if (this.lease.holding()) return false;
    if (!this.leaseLostLogged) this.options.log('archive: the archiver lease is no longer held by this archiver; the pass starts no further bucket');
    this.leaseLostLogged = true;
    return true;
  }

  private logForeignEntry(name: string): void {
    if (this.foreignEntries.has(name)) return;
    this.foreignEntries.add(name);
    this.options.log(`archive: pending entry "${name}" is not a bucket list of namespace ${this.options.keys.namespace}; left alone`);
  }

  /** The next automatic pass: one interval after the last, or at the back-off's retry time while failing. */
  private schedule(): void {
    this.clearTimer();
    const { intervalSeconds } = this.options.archive;
    if (!this.started || this.stopped || this.store === null || intervalSeconds === 0) return;
    const runAt = this.backoff.failing?.retryAt ?? this.now() + intervalSeconds * 1000;
    this.nextRunAt = runAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextRunAt = null;
      // Another archiver holds the lease: this one waits for its turn, quietly, an interval at a time.
      if (!this.lease.holding()) return this.schedule();
      this.runNow('interval').catch((error: unknown) => this.options.log(`archive: pass not run: ${(error as Error).message}`));
    }, Math.max(0, runAt - this.now()));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.nextRunAt = null;
  }
}

function describePassFailure(error: unknown): string {
  if (error instanceof S3RequestError || error instanceof RedisRequestError) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The stored summary of the last pass; null when there is none or it was not written by this version. */
function parseLastRun(json: string | null): ArchiveRunSummary | null {
  if (json === null) return null;
  try {
    const summary = JSON.parse(json) as Partial<ArchiveRunSummary> | null;
    return typeof summary?.finishedAt === 'number' ? (summary as ArchiveRunSummary) : null;
  } catch {
    return null;
  }
}
