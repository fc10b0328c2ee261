import { keySlot } from './key-slot.js';
import type { EnergyBucketRef, KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/**
 * The archiver lease and its fencing tokens: one archiver at a time archives, and one that lost its
 * lease without noticing (paused, cut off) cannot delete what a newer holder took over. Every command
 * here names keys of one slot, so the same commands serve a single Redis and a cluster.
 */

/** What the lease key holds, as JSON. */
export interface LeaseRecord {
  /** The fencing token: from INCR, higher than every earlier holder's. */
  token: number;
  /** The holder's id (random per archiver), its host and pid, for the Archive page. */
  holder: string;
  host: string;
  pid: number;
  /** ms since epoch when this holder took the lease. */
  since: number;
}

/** SET NX PX: the lease is taken only if nobody holds it. */
export function acquireLeaseCommand(keys: KeySchema, record: LeaseRecord, leaseMs: number): RedisCommand {
  return ['set', keys.archiveLease, JSON.stringify(record), 'NX', 'PX', leaseMs];
}

/** Renews the lease only while it is still this token's. KEYS: lease. ARGV: token, lease ms. Reply: 1 renewed, 0 not ours. */
const RENEW_LEASE_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, lease = pcall(cjson.decode, value)
if not ok or tonumber(lease.token) ~= tonumber(ARGV[1]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

export function renewLeaseCommand(keys: KeySchema, token: number, leaseMs: number): RedisCommand {
  return ['eval', RENEW_LEASE_SCRIPT, 1, keys.archiveLease, token, leaseMs];
}

/** Gives the lease up only if it is still this token's. KEYS: lease. ARGV: token. */
const RELEASE_LEASE_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, lease = pcall(cjson.decode, value)
if not ok or tonumber(lease.token) ~= tonumber(ARGV[1]) then return 0 end
return redis.call('DEL', KEYS[1])
`;

export function releaseLeaseCommand(keys: KeySchema, token: number): RedisCommand {
  return ['eval', RELEASE_LEASE_SCRIPT, 1, keys.archiveLease, token];
}

/**
 * A Lua fragment for a single Redis: returns -1 from the script unless the lease key (KEYS[n]) holds
 * `tokenArg`'s token, so a stale holder's delete script changes nothing.
 */
export function leaseCheckLua(leaseKey: string, tokenArg: string): string {
  return `
local leaseValue = redis.call('GET', ${leaseKey})
if not leaseValue then return -1 end
local leaseOk, lease = pcall(cjson.decode, leaseValue)
if not leaseOk or tonumber(lease.token) ~= tonumber(${tokenArg}) then return -1 end
`;
}

/** How long a fence key outlives its last claim: far longer than any holder can be paused and still believe it holds the lease. */
export const FENCE_TTL_MS = 86_400_000;

/**
 * On a cluster: raises the fence of one slot to this token, refused (0) if a newer holder's token is
 * there already. KEYS: the slot's fence. ARGV: token, fence TTL ms. Reply: 1 claimed, 0 stale.
 */
const CLAIM_FENCE_SCRIPT = `
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** The fences a bucket's archiving touches: its list's slot and its archived index's slot. */
export function bucketFenceKeys(keys: KeySchema, bucket: EnergyBucketRef): string[] {
  const slots = new Set([keySlot(keys.energyBucket(bucket.deviceId, bucket.bucketStart)), keySlot(keys.meterArchived(bucket.deviceId))]);
  return [...slots].map((slot) => keys.archiveFence(slot));
}

export function claimFenceCommand(fenceKey: string, token: number): RedisCommand {
  return ['eval', CLAIM_FENCE_SCRIPT, 1, fenceKey, token, FENCE_TTL_MS];
}

/** A Lua fragment for a cluster: returns -1 from the script when the slot's fence (KEYS[n]) holds a newer token than `tokenArg`. */
export function fenceCheckLua(fenceKey: string, tokenArg: string): string {
  return `
if tonumber(redis.call('GET', ${fenceKey}) or '0') > tonumber(${tokenArg}) then return -1 end
`;
}
