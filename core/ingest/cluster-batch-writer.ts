import { ReplyError, type Cluster } from 'ioredis';
import type { ClusterWrite } from '../model/cluster-writes.js';
import { execPerNode } from '../redis/node-pipelines.js';
import type { IngestCounters } from './ingest-figures.js';

/** What of one batch a cluster has not confirmed yet, kept between attempts. */
export interface ClusterBatchState {
  /** Writes not yet confirmed by their node, in batch order. */
  pending: ClusterWrite[];
  /** Pending writes whose reply was lost (the connection closed): their node may have applied them. */
  maybeApplied: Set<ClusterWrite>;
  /** The writer's progress marker: set once every write is confirmed, so it never claims a batch half-written. */
  progress: ClusterWrite;
  progressWritten: boolean;
  /** Writes refused for their data so far, reported once the batch is written. */
  refused: string[];
}

export function clusterBatchState(writes: ClusterWrite[], progress: ClusterWrite): ClusterBatchState {
  return { pending: writes, maybeApplied: new Set(), progress, progressWritten: false, refused: [] };
}

/** Redis judging a command's data (WRONGTYPE, not an integer): no retry changes it, so it is counted as refused, as in the single-server batch. */
const DATA_REFUSAL = /^(WRONGTYPE|ERR)\b/;

/** The client refused to send it at all (the node's connection is down): certainly not applied. */
const NOT_SENT = /enableOfflineQueue/;

/**
 * Writes a batch into a Redis Cluster: its writes (core/model/cluster-writes.ts) go out as one
 * pipeline per master, all masters at once. A write its node confirms is done; one that failed stays
 * pending and the attempt throws, so the write buffer retries the batch, which sends only what is
 * pending. Nothing is confirmed to the buffer before every write is, so no publisher is acknowledged
 * for a reading a node does not hold. A write is applied twice only if its reply was lost after the
 * node applied it; each resend of such a write adds what it counts to `counters.possibleRecounts`.
 */
export class ClusterBatchWriter {
  constructor(
    private readonly cluster: Cluster,
    private readonly counters: IngestCounters,
  ) {}

  /** Resolves with the writes Redis refused for their data once the batch is wholly written; throws while any is pending. */
  async apply(state: ClusterBatchState): Promise<string[]> {
    if (state.pending.length > 0) await this.sendPending(state);
    if (!state.progressWritten) {
      const [[error]] = (await execPerNode(this.cluster, [state.progress])) as [[Error | null, unknown]];
      if (error) throw error;
      state.progressWritten = true;
    }
    return state.refused;
  }

  private async sendPending(state: ClusterBatchState): Promise<void> {
    const sending = state.pending;
    for (const write of sending) if (state.maybeApplied.delete(write)) this.counters.possibleRecounts += write.countedAgainIfRepeated;
    const replies = await execPerNode(this.cluster, sending);
    const pending: ClusterWrite[] = [];
    let failure: Error | null = null;
    replies.forEach(([error], index) => {
      const write = sending[index]!;
      if (error === null) return;
      if (error instanceof ReplyError && DATA_REFUSAL.test(error.message)) {
        state.refused.push(error.message);
        return;
      }
      pending.push(write);
      failure ??= error;
      if (!(error instanceof ReplyError) && !NOT_SENT.test(error.message)) state.maybeApplied.add(write);
    });
    state.pending = pending;
    if (failure) throw failure;
  }
}
