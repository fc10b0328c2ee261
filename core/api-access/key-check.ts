import { timingSafeEqual } from 'node:crypto';
import { parsePresentedKey, secretMatches } from './api-key-secret.js';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';

/**
 * How long an API process trusts what it read of a key: a revoked or changed key takes effect on
 * every process within this, without a message between them, and a busy key costs one HGETALL per
 * process per interval rather than one per request.
 */
export const KEY_CACHE_MS = 500;
/** Past this many cached keys the cache starts over, so random ids cannot grow it without bound. */
const MAX_CACHED_KEYS = 10_000;

interface CachedRead {
  record: Promise<ApiKeyRecord | null>;
  readAt: number;
  /**
   * The secret that matched this read's hash: a busy key's later requests are compared with it in
   * constant time instead of hashing each one. It goes with the read, so a revoked key still fails
   * once the read is older than KEY_CACHE_MS.
   */
  matchedSecret: Buffer | null;
}

/** The key a request presents, checked against Redis through a short cache. */
export class KeyCheck {
  private readonly cache = new Map<string, CachedRead>();

  constructor(
    private readonly store: Pick<ApiKeyStore, 'get'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The key's record, or null for a missing, malformed, unknown or revoked key or a wrong secret (all alike to the caller). */
  async check(presented: string | null): Promise<ApiKeyRecord | null> {
    const parsed = presented === null ? null : parsePresentedKey(presented);
    if (!parsed) return null;
    const read = this.read(parsed.keyId);
    const record = await read.record;
    const offered = Buffer.from(parsed.secret);
    if (read.matchedSecret !== null && read.matchedSecret.length === offered.length && timingSafeEqual(offered, read.matchedSecret)) return record;
    if (!secretMatches(parsed.secret, record?.secretHash ?? null)) return null;
    read.matchedSecret = offered;
    return record;
  }

  private read(keyId: string): CachedRead {
    const now = this.clock();
    const cached = this.cache.get(keyId);
    if (cached && now - cached.readAt < KEY_CACHE_MS) return cached;
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    const read: CachedRead = { record: this.store.get(keyId), readAt: now, matchedSecret: null };
    this.cache.set(keyId, read);
    // A failed read is not remembered: the next request asks Redis again.
    read.record.catch(() => this.cache.delete(keyId));
    return read;
  }
}

/** The key in `Authorization: Bearer <key>` or `X-API-Key: <key>`; null when neither is there. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice(7).trim();
  const header = headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}
