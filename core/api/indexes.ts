import { z } from 'zod';
import { INDEX_KINDS, INDEX_NAME, INDEX_STATES, INDEX_TRANSFORMS, indexDefinitionSchema } from '../domain/index-definition.js';

/** Unforeseen indexes: define, build, verify, look up (README "Unforeseen indexes"). */

export const indexVerifyReportSchema = z.object({
  /** Hashes matching the index's pattern that were looked at, and index entries checked against their hash. */
  scanned: z.number(),
  checked: z.number(),
  /** Hashes whose entry is not in the index; entries whose hash no longer has that value. */
  missing: z.number(),
  stale: z.number(),
  /** Up to 10 key names of each. */
  missingSamples: z.array(z.string()),
  staleSamples: z.array(z.string()),
  repaired: z.boolean(),
  /** ms since epoch when it finished, and how long it took. */
  at: z.number(),
  durationMs: z.number(),
});
export type IndexVerifyReport = z.infer<typeof indexVerifyReportSchema>;

export const indexStatusSchema = z.object({
  definition: indexDefinitionSchema,
  /** Ingest keeps it current in its batches (thermostat hashes, meter device objects); otherwise only builds and repairs write it. */
  live: z.boolean(),
  state: z.enum(INDEX_STATES),
  /** The backfill's SCAN cursor, saved after every step. */
  cursor: z.string(),
  /** Keys the backfill's SCAN returned so far, of keysInDb (DBSIZE now). */
  scanned: z.number(),
  keysInDb: z.number(),
  /** Entries the index holds now (members of its sets, or of its zset). */
  entries: z.number(),
  /** Keys/s of the last build steps, and the seconds left at that rate; null when not building. */
  rate: z.number(),
  etaSeconds: z.number().nullable(),
  startedAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
  lastError: z.string().nullable(),
  lastVerify: indexVerifyReportSchema.nullable(),
  /** The key names it writes, for the Data model page and redis-cli. */
  keyPattern: z.string(),
});
export type IndexStatus = z.infer<typeof indexStatusSchema>;

export const indexListSchema = z.object({
  indexes: z.array(indexStatusSchema),
  /** Why this connection cannot build an index (read-only); null when it can. */
  buildRefusal: z.string().nullable(),
});
export type IndexList = z.infer<typeof indexListSchema>;

export const indexParams = z.object({ name: z.string().regex(INDEX_NAME) });

/** A value for a set index, or a score range for a zset index (either end may be left open). */
const lookupFields = {
  value: z.string().min(1).max(1024).optional(),
  min: z.coerce.number<number>().optional(),
  max: z.coerce.number<number>().optional(),
};

export const indexLookupQuery = z.object({
  ...lookupFields,
  /** SSCAN cursor of a set, offset into a zset's range; "0" to start. */
  cursor: z.string().regex(/^\d+$/).default('0'),
  count: z.coerce.number<number>().int().min(1).max(10_000).default(100),
});
export type IndexLookupQuery = z.infer<typeof indexLookupQuery>;

export const indexLookupSchema = z.object({
  /** Key names; score is the zset's, null for a set. */
  members: z.array(z.object({ key: z.string(), score: z.number().nullable() })),
  /** "0" when this was the last page. */
  cursor: z.string(),
});
export type IndexLookup = z.infer<typeof indexLookupSchema>;

/** The same question asked both ways: SCAN + filter over the hashes, and the index. */
export const indexCompareRequestSchema = z.object({
  /** What the scan filters on; an index's own definition when `index` names one. */
  match: z.string().min(1).max(512),
  field: z.string().min(1).max(256),
  kind: z.enum(INDEX_KINDS),
  transform: z.enum(INDEX_TRANSFORMS).default('none'),
  /** The index to ask too; without one (none built, or a read-only connection) only the scan runs. */
  index: z.string().regex(INDEX_NAME).optional(),
  ...lookupFields,
});
export type IndexCompareRequest = z.infer<typeof indexCompareRequestSchema>;

export const queryRunSchema = z.object({
  keysExamined: z.number(),
  commands: z.number(),
  ms: z.number(),
  results: z.number(),
  /** Up to 20 of the keys found. */
  sample: z.array(z.string()),
  /** What it sent, as redis-cli commands (a repeated one once, with how often). */
  redisCli: z.array(z.string()),
});
export type QueryRun = z.infer<typeof queryRunSchema>;

export const indexCompareSchema = z.object({ scan: queryRunSchema, index: queryRunSchema.nullable() });
export type IndexCompare = z.infer<typeof indexCompareSchema>;
