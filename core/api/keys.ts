import { z } from 'zod';
import { KEY_TYPES } from '../domain/key-type.js';
import { pageSize } from './query-params.js';

/** The key browser: SCAN pages and one key's detail. */

/** "Load all" of a string reads the rest in one request; beyond this a value is not something to read on screen. */
export const MAX_STRING_PAGE_BYTES = 16 * 1024 * 1024;

/** One key a scan found, with TYPE's answer (a module type such as ReJSON-RL is passed through as is). */
export interface KeySummary {
  key: string;
  type: string;
}

/** One walk of SCAN steps, stopped once a page of keys is found, the walk is complete or the work cap is reached. */
export interface KeyScan {
  keys: KeySummary[];
  /** "0" when the walk over the whole keyspace is complete; pass it back to continue. */
  cursor: string;
  /** Sum of the COUNT hints sent: how many keys Redis was asked to look at in this request. */
  examined: number;
  /** The SCAN step as redis-cli would issue it, with the cursor this request started from. */
  command: string;
}

/** A SCAN cursor, prefixed with the master's index on a cluster. */
const scanCursor = z.string().regex(/^(\d{1,4}:)?\d{1,20}$/, { message: 'is not a scan cursor' });
export const keysQuery = z.object({
  cursor: scanCursor.default('0'),
  match: z.string().min(1).max(1024).optional(),
  type: z.enum(KEY_TYPES).optional(),
  count: pageSize(1000, 100),
  maxExamined: pageSize(100_000, 10_000),
});

/** GET /api/keys?cursor=0&match=…&type=…&count=100&maxExamined=10000 */
export interface KeyPage extends KeyScan {
  /** DBSIZE, so a client can tell how much of the keyspace a walk has covered. */
  totalKeys: number;
}

/** What every existing key's detail carries besides its value page. */
interface KeyDetailCommon {
  key: string;
  /** PTTL; null when the key has no expiry. */
  ttlMs: number | null;
  /** MEMORY USAGE; null when the server refuses MEMORY (e.g. a managed Redis or an ACL). */
  memoryBytes: number | null;
  /** The command that read the value page, as redis-cli would issue it. */
  command: string;
  /** Pass as `offset` for the next page; null on the last one. */
  next: string | null;
}

/** Sizes and pages are measured as the type's own length command counts them (STRLEN bytes, HLEN fields, …). */
export interface StringKeyDetail extends KeyDetailCommon {
  type: 'string';
  /** GETRANGE from the byte offset asked for, decoded as UTF-8. */
  value: string;
  /** STRLEN, in bytes. */
  length: number;
  /** True when `value` is not the whole string. */
  truncated: boolean;
}

/** Field/value pairs are arrays, not objects, so names such as `__proto__` arrive intact and in order. */
export interface HashKeyDetail extends KeyDetailCommon {
  type: 'hash';
  /** One HSCAN step: a small hash comes whole; a large one may repeat a field across steps. */
  fields: Array<{ field: string; value: string }>;
  /** HLEN */
  length: number;
}

export interface ZsetKeyDetail extends KeyDetailCommon {
  type: 'zset';
  /** ZRANGE by rank from `offset`; scores as Redis prints them, so "inf" and "-inf" survive JSON. */
  members: Array<{ member: string; score: string }>;
  offset: number;
  /** ZCARD */
  length: number;
}

export interface ListKeyDetail extends KeyDetailCommon {
  type: 'list';
  /** LRANGE from index `offset`. */
  elements: string[];
  offset: number;
  /** LLEN */
  length: number;
}

export interface SetKeyDetail extends KeyDetailCommon {
  type: 'set';
  /** One SSCAN step: a small set comes whole; a large one may repeat a member across steps. */
  members: string[];
  /** SCARD */
  length: number;
}

export interface StreamKeyDetail extends KeyDetailCommon {
  type: 'stream';
  /** XRANGE from the entry id in `offset`; a field may occur twice in one entry, hence pairs. */
  entries: Array<{ id: string; fields: Array<{ field: string; value: string }> }>;
  /** XLEN */
  length: number;
}

/** A type the browser cannot page (a module type, or one newer than the browser): TTL and memory only. */
export interface OtherKeyDetail extends Omit<KeyDetailCommon, 'command' | 'next'> {
  type: 'other';
  /** TYPE's answer, e.g. ReJSON-RL. */
  redisType: string;
}

// The key rides in the query string, not the path, so names with '/', '?' or '%' need no routing rules.
export const keyDetailQuery = z.object({
  key: z.string(),
  offset: z
    .string()
    .regex(/^\d{1,20}(-\d{1,20})?$/, { message: 'is not a position, cursor or stream entry id' })
    .optional(),
  // Strings page by bytes and may ask for the rest at once ("load all"); keyDetail holds collections to their own cap.
  limit: pageSize(MAX_STRING_PAGE_BYTES, 100),
});

/** GET /api/keys/detail?key=…&offset=…&limit=… ; a key that does not exist answers type 'none'. */
export type KeyDetail =
  | StringKeyDetail
  | HashKeyDetail
  | ZsetKeyDetail
  | ListKeyDetail
  | SetKeyDetail
  | StreamKeyDetail
  | OtherKeyDetail
  | { type: 'none'; key: string };
