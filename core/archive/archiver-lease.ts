import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ArchiveLease } from '../api/archive.js';
import { acquireLeaseCommand, parseLeaseRecord, readLeaseCommand, releaseLeaseCommand, renewLeaseCommand, type LeaseRecord } from '../model/archive-lease-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import type { Redis } from 'ioredis';

export interface ArchiverLeaseOptions {
  redis: Redis;
  keys: KeySchema;
  /** How long the lease lasts without renewal (archive.leaseMs). */
  leaseMs: number;
  log: (line: string) => void;
  /** Clock in ms since epoch. */
  now?: () => number;
  /** The holder id shown on the Archive page; random per archiver unless given. */
  holderId?: string;
}

/**
 * One archiver at a time across every process on the same Redis: the lease key, taken with SET NX
 * PX and a fencing token from INCR, renewed by its holder every third of the lease. A holder that
 * stops renewing (killed, paused, cut off) loses it when it expires; the others try every third of
 * the lease, so it is replaced within 1⅓ lease periods (the README promises two). The holder
 * counts itself as holding only while its last renewal is fresh (two thirds of the lease left), and
 * the token goes with every delete, checked in the delete script: a holder that was wrong about
 * holding cannot delete what a newer holder took over.
 */
export class ArchiverLease {
  readonly holderId: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private record: LeaseRecord | null = null;
  /** Until when the lease is surely ours: the start of the last successful renewal plus the lease. */
  private validUntil = 0;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();
  private acquiredListeners: Array<() => void> = [];

  constructor(private readonly options: ArchiverLeaseOptions) {
    this.now = options.now ?? Date.now;
    this.holderId = options.holderId ?? randomBytes(4).toString('hex');
  }

  /** Starts trying to take the lease, and renewing it once held. */
  start(): void {
    if (this.timer !== null || this.stopped) return;
    const every = Math.max(100, Math.floor(this.options.leaseMs / 3));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.tick();
  }

  /** Starts the lease (if not yet) and tries to take it at once; true when this archiver holds it afterwards. */
  async takeNow(): Promise<boolean> {
    if (this.stopped) return false;
    this.start();
    this.tick();
    await this.ticking;
    return this.holding();
  }

  /** True while the lease is ours with at least a third of it left since the last renewal. */
  holding(): boolean {
    return this.record !== null && this.now() < this.validUntil - this.options.leaseMs / 3;
  }

  /** The fencing token while holding; null otherwise. */
  get token(): number | null {
    return this.holding() ? this.record!.token : null;
  }

  /** Who holds the lease now, read from Redis: any archiver on it, this one or another, or nobody. */
  async current(): Promise<ArchiveLease> {
    const reply = (await this.send(readLeaseCommand(this.options.keys))) as [string, number] | null;
    if (reply === null) return { state: 'free' };
    const [value, msLeft] = reply;
    const expiresAt = msLeft >= 0 ? this.now() + msLeft : null;
    const parsed = parseLeaseRecord(value);
    if ('problem' in parsed) return { state: 'unreadable', expiresAt, detail: parsed.problem };
    return { state: 'held', ...parsed.record, expiresAt, mine: parsed.record.holder === this.holderId };
  }

  /** Resolves once this archiver holds the lease (at once if it does). */
  acquired(): Promise<void> {
    if (this.holding()) return Promise.resolve();
    return new Promise((resolve) => this.acquiredListeners.push(resolve));
  }

  /** Stops renewing and gives the lease up (only if still ours), so another archiver takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    const record = this.record;
    this.record = null;
    if (record === null) return;
    await this.send(releaseLeaseCommand(this.options.keys, record.token)).catch(() => undefined);
  }

  private tick(): void {
    this.ticking = this.ticking.then(() => (this.stopped ? undefined : this.record === null ? this.tryAcquire() : this.renew())).catch(() => undefined);
  }

  private async tryAcquire(): Promise<void> {
    const { redis, keys, leaseMs, log } = this.options;
    // Only when free: each INCR spends a token, and a held lease would refuse it anyway.
    if ((await redis.exists(keys.archiveLease)) === 1) return;
    const startedAt = this.now();
    const token = await redis.incr(keys.archiveLeaseToken);
    const record: LeaseRecord = { token, holder: this.holderId, host: hostname(), pid: process.pid, since: startedAt };
    if ((await this.send(acquireLeaseCommand(keys, record, leaseMs))) !== 'OK') return;
    this.record = record;
    this.validUntil = startedAt + leaseMs;
    log(`archive: this archiver (${this.holderId}, ${record.host} pid ${record.pid}) holds the archiver lease, token ${token}`);
    for (const listener of this.acquiredListeners.splice(0)) listener();
  }

  private async renew(): Promise<void> {
    const record = this.record!;
    const startedAt = this.now();
    let renewed: unknown;
    try {
      renewed = await this.send(renewLeaseCommand(this.options.keys, record.token, this.options.leaseMs));
    } catch (error) {
      if (!this.holding()) this.lose(`renewal failed (${(error as Error).message}) and the lease may have expired`);
      return;
    }
    if (renewed === 1) this.validUntil = startedAt + this.options.leaseMs;
    else this.lose('it expired and another archiver may hold it now');
  }

  private lose(why: string): void {
    if (this.record === null) return;
    this.options.log(`archive: this archiver (${this.holderId}) LOST the archiver lease (token ${this.record.token}): ${why}; it archives nothing until it holds it again`);
    this.record = null;
    this.validUntil = 0;
  }

  private send([name, ...args]: RedisCommand): Promise<unknown> {
    return this.options.redis.call(name, ...args);
  }
}
