import type { ExportFormat, ExportView } from '../api/export.js';
import type { S3Settings } from '../archive/s3-client.js';
import type { ConnectionSettings, StoredSecrets } from '../domain/connection.js';
import type { ErrorKind, UpstreamService } from '../domain/errors.js';

/** The views the export thread reads from Redis (and S3); the others come from the broker's memory or a short list. */
export const THREAD_VIEWS = ['events', 'devices', 'meter-energy', 'meter-readings', 'keys'] as const satisfies readonly ExportView[];
export type ThreadView = (typeof THREAD_VIEWS)[number];

/** One export for the export thread: plain data, as it crosses to the thread. */
export interface ExportJob {
  view: ThreadView;
  format: ExportFormat;
  /** The view's validated query, format included. */
  query: Record<string, unknown>;
  /** The connection the pages show; the thread opens one of its own to it for the export. */
  connection: { settings: ConnectionSettings; secrets: StoredSecrets };
  energy: { bucketSeconds: number; s3: S3Settings | null };
}

/** Main thread → export thread. */
export type ToExportThread = { type: 'start'; id: number; job: ExportJob } | { type: 'more'; id: number } | { type: 'cancel'; id: number };

export interface ExportFailure {
  kind: ErrorKind;
  message: string;
  field: string | null;
  service: UpstreamService | null;
}

/** Export thread → main thread: `head` once the first page is read, then chunks (transferred) as asked for, then `end`. */
export type FromExportThread =
  | { type: 'head'; id: number; total: number | null }
  | { type: 'chunk'; id: number; bytes: Uint8Array; rows: number }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; failure: ExportFailure };
