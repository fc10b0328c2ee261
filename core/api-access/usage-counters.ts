import type { ApiKeyUsage, UsagePoint, UsageRange } from '../api/api-keys.js';
import type { KeySchema, UsagePeriod } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';

/** How long each period's counters stay: minutes for 48 hours, hours for 90 days. */
export const USAGE_PERIODS: Record<UsagePeriod, { seconds: number; keptSeconds: number }> = {
  minute: { seconds: 60, keptSeconds: 48 * 3600 },
  hour: { seconds: 3600, keptSeconds: 90 * 86_400 },
};

/** The statuses counted on their own besides their class. */
const COUNTED_STATUSES = new Set([401, 403, 429]);
export const REQUESTS_FIELD = 'requests';
export const statusField = (status: number) => `status:${status}`;
/** e.g. `route:meterEnergy:2xx`. */
export const routeField = (route: string, status: number) => `route:${route}:${Math.floor(status / 100)}xx`;

/** `route:meterEnergy:2xx` → `meterEnergy 2xx`; null for the other fields. */
function routeOfField(field: string): string | null {
  const match = /^route:(.+):(\dxx)$/.exec(field);
  return match ? `${match[1]} ${match[2]}` : null;
}

export interface RequestOutcome {
  /** Null when the request carried no valid key (it is then counted only API-wide). */
  keyId: string | null;
  /** The route's name in the client route table, `unknown` for a path that is none. */
  route: string;
  status: number;
  atMs: number;
}

interface PendingCounters {
  /** Unix seconds: the period's start plus how long it is kept (EXPIREAT, the same for every write). */
  expireAt: number;
  fields: Map<string, number>;
}

/** Separates the parts of a tally's name; no key id, route name or status holds one. */
const TALLY_SEPARATOR = '\t';

/**
 * Usage statistics, the paper's way: counters per period with an expiry. Requests are tallied in
 * memory, one count per second, key, route and status (a request costs one map update), and written
 * once a second (HINCRBY per field, EXPIREAT per hash, one pipeline per hash), so a busy key costs a
 * few commands a second instead of a few per request; a crash loses at most that second. A failed
 * write is counted and logged, never retried into a double count.
 */
export class UsageRecorder {
  /** `<unix second>\t<keyId or empty>\t<route>\t<status>` → requests. */
  private tallies = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Hashes whose counters could not be written. */
  failedWrites = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
    private readonly log: (line: string) => void,
    private readonly flushMs = 1000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  record({ keyId, route, status, atMs }: RequestOutcome): void {
    const tally = `${Math.floor(atMs / 1000)}${TALLY_SEPARATOR}${keyId ?? ''}${TALLY_SEPARATOR}${route}${TALLY_SEPARATOR}${status}`;
    this.tallies.set(tally, (this.tallies.get(tally) ?? 0) + 1);
  }

  /** Writes what was tallied; a flush waits for the one before it. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** The tallies as the counter hashes they add to: per period, API-wide and per key. */
  private countersOf(tallies: Map<string, number>): Map<string, PendingCounters> {
    const counters = new Map<string, PendingCounters>();
    for (const [tally, count] of tallies) {
      const [second, keyId, route, statusText] = tally.split(TALLY_SEPARATOR) as [string, string, string, string];
      const at = Number(second);
      const status = Number(statusText);
      const fields = [REQUESTS_FIELD, routeField(route, status), ...(COUNTED_STATUSES.has(status) ? [statusField(status)] : [])];
      for (const period of ['minute', 'hour'] as const) {
        const { seconds, keptSeconds } = USAGE_PERIODS[period];
        const periodStart = at - (at % seconds);
        const hashes = [this.keys.apiUsage(period, periodStart), ...(keyId === '' ? [] : [this.keys.apiKeyUsage(keyId, period, periodStart)])];
        for (const hash of hashes) add(counters, hash, periodStart + keptSeconds, fields, count);
      }
    }
    return counters;
  }

  private async write(): Promise<void> {
    if (this.tallies.size === 0) return;
    const batch = this.countersOf(this.tallies);
    this.tallies = new Map();
    const results = await Promise.allSettled(
      [...batch].map(async ([hash, { expireAt, fields }]) => {
        const pipeline = this.redis.pipeline();
        for (const [field, count] of fields) pipeline.hincrby(hash, field, count);
        pipeline.expireat(hash, expireAt);
        const failed = (await pipeline.exec())?.find(([error]) => error !== null);
        if (failed) throw failed[0]!;
      }),
    );
    const failures = results.filter((result) => result.status === 'rejected');
    if (failures.length === 0) return;
    this.failedWrites += failures.length;
    this.log(`client API usage: ${failures.length} counter hashes not written (${this.failedWrites} so far): ${String(failures[0]!.reason)}`);
  }
}

function add(counters: Map<string, PendingCounters>, hash: string, expireAt: number, fields: string[], count: number): void {
  let pending = counters.get(hash);
  if (!pending) counters.set(hash, (pending = { expireAt, fields: new Map() }));
  for (const field of fields) pending.fields.set(field, (pending.fields.get(field) ?? 0) + count);
}

const RANGES: Record<UsageRange, { period: UsagePeriod; count: number }> = {
  hour: { period: 'minute', count: 60 },
  day: { period: 'minute', count: 1440 },
  '90d': { period: 'hour', count: 90 * 24 },
};

/** A key's counters over the range, one point per period, oldest first (periods without requests are zeros). */
export async function readKeyUsage(redis: RedisClient, keys: KeySchema, keyId: string, range: UsageRange, nowMs: number): Promise<ApiKeyUsage> {
  const { period, count } = RANGES[range];
  const { seconds } = USAGE_PERIODS[period];
  const now = Math.floor(nowMs / 1000);
  const last = now - (now % seconds);
  const starts = Array.from({ length: count }, (_, index) => last - (count - 1 - index) * seconds);
  const hashes = await Promise.all(starts.map((start) => redis.hgetall(keys.apiKeyUsage(keyId, period, start))));
  const byRoute: Record<string, number> = {};
  const points = hashes.map((fields, index): UsagePoint => {
    for (const [field, value] of Object.entries(fields)) {
      const route = routeOfField(field);
      if (route !== null) byRoute[route] = (byRoute[route] ?? 0) + Number(value);
    }
    return { t: starts[index]!, requests: Number(fields[REQUESTS_FIELD] ?? 0), throttled: Number(fields[statusField(429)] ?? 0), refused: Number(fields[statusField(403)] ?? 0) };
  });
  return { id: keyId, range, periodSeconds: seconds, points, byRoute };
}
