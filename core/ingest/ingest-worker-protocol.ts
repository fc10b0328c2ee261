import type { IngestSnapshot } from './ingest-snapshot.js';
import type { UnwrittenReadings } from './write-buffer.js';

/**
 * Messages between the broker's thread and the ingest worker. Payloads travel as one transferred
 * byte array per batch with offsets, never one postMessage per reading.
 */
export interface MessageBatch {
  type: 'messages';
  seq: number;
  /** Per message, the handler its topic rule names: an index into WRITING_HANDLERS. */
  handlers: Uint8Array;
  receivedAt: Float64Array;
  /** Message i is bytes[offsets[i], offsets[i + 1]). */
  offsets: Uint32Array;
  bytes: Uint8Array;
  topics: string[];
  clientIds: Array<string | null>;
  qos: Uint8Array;
}

export type ToIngestWorker =
  | MessageBatch
  | { type: 'drain' }
  /** Start the latency window afresh, e.g. when a benchmark's warm-up ends. */
  | { type: 'reset-latency' };

export type FromIngestWorker =
  /** `appliedSourceSeq`: the last batch a predecessor of this worker got into Redis (-1: none), so the broker thread replays only what follows. */
  | { type: 'ready'; udpUrl: string | null; appliedSourceSeq: number }
  | { type: 'failed'; error: string }
  | { type: 'log'; line: string }
  /** Every message of batch `seq` is in Redis (or counted and dead-lettered there): its publishers are acknowledged. */
  | { type: 'written'; seq: number }
  | { type: 'snapshot'; snapshot: IngestSnapshot }
  | { type: 'drained'; unwritten: UnwrittenReadings };
