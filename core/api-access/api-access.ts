import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';
import { ApiKeyStore, type ApiKeyRecord } from './api-key-store.js';
import { KeyCheck, presentedKey } from './key-check.js';
import { countRequest, type ThrottleVerdict } from './throttle.js';
import { UsageRecorder, type RequestOutcome } from './usage-counters.js';

/** API management for one client API process: who a request is, whether it may go on, what it cost. */
export class ApiAccess {
  readonly store: ApiKeyStore;
  private readonly keyCheck: KeyCheck;
  private readonly usage: UsageRecorder;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
    log: (line: string) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.store = new ApiKeyStore(redis, keys);
    this.keyCheck = new KeyCheck(this.store, clock);
    this.usage = new UsageRecorder(redis, keys, log);
    this.usage.start();
  }

  /** The key the request's headers present, if it is a valid one. */
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<ApiKeyRecord | null> {
    return this.keyCheck.check(presentedKey(headers));
  }

  throttle(key: ApiKeyRecord): Promise<ThrottleVerdict> {
    return countRequest(this.redis, this.keys, key.id, key.limitPer5s, this.clock());
  }

  record(outcome: Omit<RequestOutcome, 'atMs'>): void {
    this.usage.record({ ...outcome, atMs: this.clock() });
    const key = `${outcome.route} ${outcome.status}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
    if (outcome.status === 429) this.throttledCount += 1;
  }

  /** Requests this process answered since start, by route name and status (`meterEnergy 200`), for the metrics. */
  readonly requestCounts = new Map<string, number>();
  /** Requests answered 429 since start. */
  throttledCount = 0;

  /** Counter hashes that could not be written so far. */
  get failedUsageWrites(): number {
    return this.usage.failedWrites;
  }

  /** Writes the last counters. */
  stop(): Promise<void> {
    return this.usage.stop();
  }
}
