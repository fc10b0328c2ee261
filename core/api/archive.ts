import { z } from 'zod';
import { decimalCursor, pageSize } from './query-params.js';

/** The archive: status, pending buckets, archived objects, the S3 check. */

/** Where archived buckets go; secrets are never part of it. */
export const archiveTargetSchema = z.object({
  endpoint: z.string().nullable(),
  region: z.string(),
  bucket: z.string(),
  keyPrefix: z.string(),
  pathStyle: z.boolean(),
  /** 'explicit' (config file) or 'default-chain' (AWS_* variables, ~/.aws, roles). */
  credentials: z.enum(['explicit', 'default-chain']),
});
export type ArchiveTarget = z.infer<typeof archiveTargetSchema>;

export const archiveProgressSchema = z.object({
  trigger: z.enum(['interval', 'manual']),
  startedAt: z.number(),
  /** Stale buckets found so far; grows while the pending set is being scanned. */
  bucketsTotal: z.number(),
  bucketsDone: z.number(),
  bucketsFailed: z.number(),
  /** Buckets left in Redis because a reading arrived while they were uploaded (archived next pass). */
  bucketsLate: z.number(),
  readings: z.number(),
  /** NDJSON bytes read from Redis and LZ4 bytes uploaded. */
  bytesIn: z.number(),
  bytesOut: z.number(),
  scanComplete: z.boolean(),
});
export type ArchiveProgress = z.infer<typeof archiveProgressSchema>;

export const archiveRunSummarySchema = archiveProgressSchema.extend({
  finishedAt: z.number(),
  /** bytesIn / bytesOut; null when nothing was archived. */
  ratio: z.number().nullable(),
  error: z.string().nullable(),
});
export type ArchiveRunSummary = z.infer<typeof archiveRunSummarySchema>;

/**
 * Who holds the archiver lease (one archiver at a time across every process on this Redis), as
 * the lease key says now: `free` when nobody does, `unreadable` when the key holds something
 * that is not a lease (no archiver takes it until it expires).
 */
export const archiveLeaseSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('free') }),
  z.object({
    state: z.literal('held'),
    /** The holder's fencing token: each of its deletes carries it, checked in the delete script. */
    token: z.number(),
    /** The holder's archiver id (random per archiver), host and pid. */
    holder: z.string(),
    host: z.string(),
    pid: z.number(),
    /** When it took the lease (ms since epoch). */
    since: z.number(),
    /** When the lease runs out unless renewed (ms since epoch); null when the key has no expiry. */
    expiresAt: z.number().nullable(),
    /** True when the holder is this process's archiver. */
    mine: z.boolean(),
  }),
  z.object({ state: z.literal('unreadable'), expiresAt: z.number().nullable(), detail: z.string() }),
]);
export type ArchiveLease = z.infer<typeof archiveLeaseSchema>;

/** GET /api/archive */
export const archiveStatusSchema = z.object({
  /** False without an S3 bucket; `reason` says what to set. */
  configured: z.boolean(),
  reason: z.string().nullable(),
  target: archiveTargetSchema.nullable(),
  bucketSeconds: z.number(),
  graceSeconds: z.number(),
  intervalSeconds: z.number(),
  nextRunAt: z.number().nullable(),
  /** SCARD of the pending set. */
  pending: z.number(),
  running: archiveProgressSchema.nullable(),
  lastRun: archiveRunSummarySchema.nullable(),
  /** Set while S3 fails: the error and when the next attempt is. */
  failing: z.object({ error: z.string(), since: z.number(), retryAt: z.number() }).nullable(),
  lease: archiveLeaseSchema,
  /** This process's archiver id, as a holder would show it. */
  archiverId: z.string(),
  /** --archive-lease-ms: a holder that stops is replaced within two of these. */
  leaseMs: z.number(),
});
export type ArchiveStatus = z.infer<typeof archiveStatusSchema>;

/** One entry of the pending set, as the Archive page lists them. */
export const pendingBucketSchema = z.object({
  key: z.string(),
  deviceId: z.string(),
  bucketStart: z.number(),
  /** LLEN */
  readings: z.number(),
  stale: z.boolean(),
});
export type PendingBucket = z.infer<typeof pendingBucketSchema>;

export const pendingBucketsQuery = z.object({ cursor: decimalCursor(), count: pageSize(1000, 100) });

/** GET /api/archive/pending?cursor=0&count=100: one SSCAN step. */
export const pendingBucketsSchema = z.object({ buckets: z.array(pendingBucketSchema), cursor: z.string() });
export type PendingBuckets = z.infer<typeof pendingBucketsSchema>;

export const archivedObjectsQuery = z.object({ after: z.string().min(1).max(1024).optional() });

/** GET /api/archive/objects?after=key: one ListObjectsV2 page under energy/. */
export const archivedObjectsSchema = z.object({
  objects: z.array(z.object({ key: z.string(), bytes: z.number(), lastModified: z.number() })),
  /** Pass as `after` for the next page; null on the last one. */
  next: z.string().nullable(),
});
export type ArchivedObjects = z.infer<typeof archivedObjectsSchema>;

export const S3_CHECK_STEPS = ['config', 'dns', 'connect', 'tls', 'credentials', 'bucket', 'write', 'read', 'delete'] as const;
export type S3CheckStep = (typeof S3_CHECK_STEPS)[number];

/** POST /api/archive/test: each step until the first failure, which names the problem precisely. */
export const s3ConnectionCheckSchema = z.object({
  ok: z.boolean(),
  steps: z.array(z.object({ step: z.enum(S3_CHECK_STEPS), ok: z.boolean(), detail: z.string(), ms: z.number() })),
  /** One sentence saying what is wrong and what to change; null when ok. */
  problem: z.string().nullable(),
});
export type S3ConnectionCheck = z.infer<typeof s3ConnectionCheckSchema>;
