import { z } from 'zod';
import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/**
 * The archiver lease and its fencing tokens: one archiver at a time archives, and one that lost its
 * lease without noticing (paused, cut off) cannot delete what a newer holder took over.
 */

/** What the lease key holds, as JSON. */
const leaseRecordSchema = z.object({
  /** The fencing token: from INCR, higher than every earlier holder's. */
  token: z.number().int(),
  /** The holder's id (random per archiver), its host and pid. */
  holder: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** ms since epoch when this holder took the lease. */
  since: z.number(),
});
export type LeaseRecord = z.infer<typeof leaseRecordSchema>;

/** The lease key's value read back (another process, maybe another version, wrote it): the record, or why it is none. */
export function parseLeaseRecord(value: string): { record: LeaseRecord } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problem: `not JSON: ${value.slice(0, 80)}` };
  }
  const parsed = leaseRecordSchema.safeParse(json);
  return parsed.success ? { record: parsed.data } : { problem: `not a lease: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ')}` };
}

/** The lease's value and its PTTL in one step. Reply: nil when free, else [value, ms left (-1: no expiry)]. */
const READ_LEASE_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}
`;

export function readLeaseCommand(keys: KeySchema): RedisCommand {
  return ['eval', READ_LEASE_SCRIPT, 1, keys.archiveLease];
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
