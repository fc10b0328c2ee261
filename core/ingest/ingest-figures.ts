import { REJECTION_REASONS, type RejectionReason } from '../domain/rejection.js';
import { LatencyBuckets } from './latency-buckets.js';
import { LatencyWindow } from './latency-window.js';

/** Cumulative counters, mutated on the hot path; everything else is derived by the sampler. */
export class IngestCounters {
  received = 0;
  written = 0;
  rejected = 0;
  dropped = 0;
  writeErrors = 0;
  /** Smart-meter readings; a datagram or MQTT payload carries one or more. */
  meterReadingsReceived = 0;
  meterReadingsWritten = 0;
  meterPayloadsRejected = 0;
  /** Datagrams dropped while the buffer was full: UDP has no way to hold a sender back. */
  meterDatagramsDropped = 0;
  /** Messages routed to a json-hash topic rule, and those whose fields are in Redis. */
  hashMessagesReceived = 0;
  hashMessagesWritten = 0;
  /**
   * Readings a climate counter, an energy list or a dead-letter list may hold twice on a Redis
   * Cluster: their write was sent again after its node's reply was lost (README "Redis Cluster").
   */
  possibleRecounts = 0;
  /** Redis transactions sent; written / batches is the mean batch size. */
  batches = 0;
  readonly rejectedByReason: Record<RejectionReason, number> = Object.fromEntries(
    REJECTION_REASONS.map((reason) => [reason, 0]),
  ) as Record<RejectionReason, number>;
  readonly latency = new LatencyWindow();
  readonly latencyBuckets = new LatencyBuckets();

  /** Publish→written latency, into the UI's sliding window and the cumulative buckets of /metrics. */
  recordLatencyMs(latencyMs: number): void {
    this.latency.recordMs(latencyMs);
    this.latencyBuckets.recordMs(latencyMs);
  }

  countRejected(reason: RejectionReason): void {
    this.rejected += 1;
    this.rejectedByReason[reason] += 1;
  }
}
