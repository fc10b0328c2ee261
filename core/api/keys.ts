import { z } from 'zod';
import { KEY_TYPES } from '../domain/key-type.js';
import { pageSize } from './query-params.js';

/** The key browser: SCAN pages and one key's detail. */

/** "Load all" of a string reads the rest in one request; beyond this a value is not something to read on screen. */
export const MAX_STRING_PAGE_BYTES = 16 * 1024 * 1024;

/** One key a scan found, with TYPE's answer (a module type such as ReJSON-RL is passed through as is). */
export const keySummarySchema = z.object({ key: z.string(), type: z.string() });
export type KeySummary = z.infer<typeof keySummarySchema>;

/** One walk of SCAN steps, stopped once a page of keys is found, the walk is complete or the work cap is reached. */
export const keyScanSchema = z.object({
  keys: z.array(keySummarySchema),
  /** "0" when the walk over the whole keyspace is complete; pass it back to continue. */
  cursor: z.string(),
  /** Sum of the COUNT hints sent: how many keys Redis was asked to look at in this request. */
  examined: z.number(),
  /** The SCAN step as redis-cli would issue it, with the cursor this request started from. */
  command: z.string(),
});
export type KeyScan = z.infer<typeof keyScanSchema>;

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
export const keyPageSchema = keyScanSchema.extend({
  /** DBSIZE, so a client can tell how much of the keyspace a walk has covered. */
  totalKeys: z.number(),
});
export type KeyPage = z.infer<typeof keyPageSchema>;

/** What every existing key's detail carries besides its value page. */
const keyDetailCommon = {
  key: z.string(),
  /** PTTL; null when the key has no expiry. */
  ttlMs: z.number().nullable(),
  /** MEMORY USAGE; null when the server refuses MEMORY (e.g. a managed Redis or an ACL). */
  memoryBytes: z.number().nullable(),
  /** The command that read the value page, as redis-cli would issue it. */
  command: z.string(),
  /** Pass as `offset` for the next page; null on the last one. */
  next: z.string().nullable(),
};

/** Field/value pairs are arrays, not objects, so names such as `__proto__` arrive intact and in order. */
const fieldValues = z.array(z.object({ field: z.string(), value: z.string() }));

/** Sizes and pages are measured as the type's own length command counts them (STRLEN bytes, HLEN fields, …). */
export const stringKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('string'),
  /** GETRANGE from the byte offset asked for, decoded as UTF-8. */
  value: z.string(),
  /** STRLEN, in bytes. */
  length: z.number(),
  /** True when `value` is not the whole string. */
  truncated: z.boolean(),
});
export type StringKeyDetail = z.infer<typeof stringKeyDetailSchema>;

export const hashKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('hash'),
  /** One HSCAN step: a small hash comes whole; a large one may repeat a field across steps. */
  fields: fieldValues,
  /** HLEN */
  length: z.number(),
});
export type HashKeyDetail = z.infer<typeof hashKeyDetailSchema>;

export const zsetKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('zset'),
  /** ZRANGE by rank from `offset`; scores as Redis prints them, so "inf" and "-inf" survive JSON. */
  members: z.array(z.object({ member: z.string(), score: z.string() })),
  offset: z.number(),
  /** ZCARD */
  length: z.number(),
});
export type ZsetKeyDetail = z.infer<typeof zsetKeyDetailSchema>;

export const listKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('list'),
  /** LRANGE from index `offset`. */
  elements: z.array(z.string()),
  offset: z.number(),
  /** LLEN */
  length: z.number(),
});
export type ListKeyDetail = z.infer<typeof listKeyDetailSchema>;

export const setKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('set'),
  /** One SSCAN step: a small set comes whole; a large one may repeat a member across steps. */
  members: z.array(z.string()),
  /** SCARD */
  length: z.number(),
});
export type SetKeyDetail = z.infer<typeof setKeyDetailSchema>;

export const streamKeyDetailSchema = z.object({
  ...keyDetailCommon,
  type: z.literal('stream'),
  /** XRANGE from the entry id in `offset`; a field may occur twice in one entry, hence pairs. */
  entries: z.array(z.object({ id: z.string(), fields: fieldValues })),
  /** XLEN */
  length: z.number(),
});
export type StreamKeyDetail = z.infer<typeof streamKeyDetailSchema>;

/** A type the browser cannot page (a module type, or one newer than the browser): TTL and memory only. */
export const otherKeyDetailSchema = z.object({
  key: keyDetailCommon.key,
  ttlMs: keyDetailCommon.ttlMs,
  memoryBytes: keyDetailCommon.memoryBytes,
  type: z.literal('other'),
  /** TYPE's answer, e.g. ReJSON-RL. */
  redisType: z.string(),
});
export type OtherKeyDetail = z.infer<typeof otherKeyDetailSchema>;

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
export const keyDetailSchema = z.discriminatedUnion('type', [
  stringKeyDetailSchema,
  hashKeyDetailSchema,
  zsetKeyDetailSchema,
  listKeyDetailSchema,
  setKeyDetailSchema,
  streamKeyDetailSchema,
  otherKeyDetailSchema,
  z.object({ type: z.literal('none'), key: z.string() }),
]);
export type KeyDetail = z.infer<typeof keyDetailSchema>;
