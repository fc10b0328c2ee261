import { z } from 'zod';
import { INDEX_NAME, INDEX_STATES, indexDefinitionSchema } from '../domain/index-definition.js';

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
