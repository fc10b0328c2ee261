import { z } from 'zod';
import { decimalCursor, pageSize } from './query-params.js';

/** The archive: status, pending buckets, archived objects, the S3 check. */

/** Where archived buckets go; secrets are never part of it. */
export interface ArchiveTarget {
  endpoint: string | null;
  region: string;
  bucket: string;
  keyPrefix: string;
  pathStyle: boolean;
  /** 'explicit' (config file) or 'default-chain' (AWS_* variables, ~/.aws, roles). */
  credentials: 'explicit' | 'default-chain';
}

export interface ArchiveProgress {
  trigger: 'interval' | 'manual';
  startedAt: number;
  /** Stale buckets found so far; grows while the pending set is being scanned. */
  bucketsTotal: number;
  bucketsDone: number;
  bucketsFailed: number;
  /** Buckets left in Redis because a reading arrived while they were uploaded (archived next pass). */
  bucketsLate: number;
  readings: number;
  /** NDJSON bytes read from Redis and LZ4 bytes uploaded. */
  bytesIn: number;
  bytesOut: number;
  scanComplete: boolean;
}

export interface ArchiveRunSummary extends ArchiveProgress {
  finishedAt: number;
  /** bytesIn / bytesOut; null when nothing was archived. */
  ratio: number | null;
  error: string | null;
}

/** GET /api/archive */
export interface ArchiveStatus {
  /** False without an S3 bucket; `reason` says what to set. */
  configured: boolean;
  reason: string | null;
  target: ArchiveTarget | null;
  bucketSeconds: number;
  graceSeconds: number;
  intervalSeconds: number;
  nextRunAt: number | null;
  /** SCARD of the pending set. */
  pending: number;
  running: ArchiveProgress | null;
  lastRun: ArchiveRunSummary | null;
  /** Set while S3 fails: the error and when the next attempt is. */
  failing: { error: string; since: number; retryAt: number } | null;
}

/** One entry of the pending set, as the Archive page lists them. */
export interface PendingBucket {
  key: string;
  deviceId: string;
  bucketStart: number;
  /** LLEN */
  readings: number;
  stale: boolean;
}

export const pendingBucketsQuery = z.object({ cursor: decimalCursor(), count: pageSize(1000, 100) });

/** GET /api/archive/pending?cursor=0&count=100: one SSCAN step. */
export interface PendingBuckets {
  buckets: PendingBucket[];
  cursor: string;
}

export const archivedObjectsQuery = z.object({ after: z.string().min(1).max(1024).optional() });

/** GET /api/archive/objects?after=key: one ListObjectsV2 page under energy/. */
export interface ArchivedObjects {
  objects: Array<{ key: string; bytes: number; lastModified: number }>;
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

export type S3CheckStep = 'config' | 'dns' | 'connect' | 'tls' | 'credentials' | 'bucket' | 'write' | 'read' | 'delete';

/** POST /api/archive/test: each step until the first failure, which names the problem precisely. */
export interface S3ConnectionCheck {
  ok: boolean;
  steps: Array<{ step: S3CheckStep; ok: boolean; detail: string; ms: number }>;
  /** One sentence saying what is wrong and what to change; null when ok. */
  problem: string | null;
}
