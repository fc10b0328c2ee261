import type { IngestCounters } from './ingest-figures.js';
import { EMPTY_LATENCY_HISTOGRAM, type LatencyHistogram } from './latency-buckets.js';

/** Everything the rest of the stack learns about ingest, whichever thread it runs in. */
export interface IngestSnapshot {
  received: number;
  written: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  dropped: number;
  writeErrors: number;
  possibleRecounts: number;
  batches: number;
  buffered: number;
  bufferFull: boolean;
  waitingPublishers: number;
  lastError: string | null;
  /** Why Redis refuses every batch, while it does: intake has stopped. */
  refusal: string | null;
  latency: { p50: number | null; p99: number | null; samples: number };
  latencyHistogram: LatencyHistogram;
  meterReadingsReceived: number;
  meterReadingsWritten: number;
  meterPayloadsRejected: number;
  meterDatagramsDropped: number;
  hashMessagesReceived: number;
  hashMessagesWritten: number;
}

export const EMPTY_INGEST_SNAPSHOT: IngestSnapshot = {
  received: 0,
  written: 0,
  rejected: 0,
  rejectedByReason: {},
  dropped: 0,
  writeErrors: 0,
  possibleRecounts: 0,
  batches: 0,
  buffered: 0,
  bufferFull: false,
  waitingPublishers: 0,
  lastError: null,
  refusal: null,
  latency: { p50: null, p99: null, samples: 0 },
  latencyHistogram: EMPTY_LATENCY_HISTOGRAM,
  meterReadingsReceived: 0,
  meterReadingsWritten: 0,
  meterPayloadsRejected: 0,
  meterDatagramsDropped: 0,
  hashMessagesReceived: 0,
  hashMessagesWritten: 0,
};

export interface BufferState {
  buffered: number;
  isFull: boolean;
  waitingPublishers: number;
  lastError: string | null;
  refusal: string | null;
}

export function snapshotOf(counters: IngestCounters, buffer: BufferState): IngestSnapshot {
  return {
    received: counters.received,
    written: counters.written,
    rejected: counters.rejected,
    rejectedByReason: { ...counters.rejectedByReason },
    dropped: counters.dropped,
    writeErrors: counters.writeErrors,
    possibleRecounts: counters.possibleRecounts,
    batches: counters.batches,
    buffered: buffer.buffered,
    bufferFull: buffer.isFull,
    waitingPublishers: buffer.waitingPublishers,
    lastError: buffer.lastError,
    refusal: buffer.refusal,
    latency: counters.latency.percentilesMs(),
    latencyHistogram: counters.latencyBuckets.histogram(),
    meterReadingsReceived: counters.meterReadingsReceived,
    meterReadingsWritten: counters.meterReadingsWritten,
    meterPayloadsRejected: counters.meterPayloadsRejected,
    meterDatagramsDropped: counters.meterDatagramsDropped,
    hashMessagesReceived: counters.hashMessagesReceived,
    hashMessagesWritten: counters.hashMessagesWritten,
  };
}
