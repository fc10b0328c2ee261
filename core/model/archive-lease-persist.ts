import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/**
 * The archiver lease and its fencing tokens: one archiver at a time archives, and one that lost its
 * lease without noticing (paused, cut off) cannot delete what a newer holder took over.
 */

/** What the lease key holds, as JSON. */
export interface LeaseRecord {
  /** The fencing token: from INCR, higher than every earlier holder's. */
  token: number;
  /** The holder's id (random per archiver), its host and pid. */
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
 * A Lua fragment: returns -1 from the script unless the lease key (`leaseKey`) holds `tokenArg`'s
 * token, so a stale holder's delete script changes nothing.
 */
export function leaseCheckLua(leaseKey: string, tokenArg: string): string {
  return `
local leaseValue = redis.call('GET', ${leaseKey})
if not leaseValue then return -1 end
local leaseOk, lease = pcall(cjson.decode, leaseValue)
if not leaseOk or tonumber(lease.token) ~= tonumber(${tokenArg}) then return -1 end
`;
}
