import type { BadBucket, SkippedLine } from '../api/replay.js';
import { noSkipsByReason, type ReplaySkipReason } from '../domain/replay.js';
import { LISTED_SKIPPED_LINES } from '../api/replay.js';
import type { ReplayMessage } from './replay-line.js';

/** What a replay plays: a timeline of messages it can start anywhere in. */
export interface ReplaySourceReader {
  /** The source in words, for the status. */
  readonly label: string;
  /** The first and the last message's time (ms since epoch); equal for a single message. */
  readonly startTime: number;
  readonly endTime: number;
  /** Messages one pass publishes; null when known only at the end. */
  readonly total: number | null;
  /**
   * The messages from the first whose time is ≥ `fromTime`, in pages, in time order (a time that
   * went backwards in the file counts as the latest time before it). Each call starts afresh.
   */
  pages(fromTime: number): AsyncIterable<ReplayMessage[]>;
  /** Lines that are not what the file claims, counted once over the whole file. */
  readonly skipped: SkipTally;
  /** Archived buckets that could not be read; filled in as they are met. */
  readonly badBuckets: readonly BadBucket[];
}

/** Skipped lines by reason, and the first LISTED_SKIPPED_LINES of them with their line numbers. */
export class SkipTally {
  total = 0;
  readonly byReason = noSkipsByReason();
  readonly lines: SkippedLine[] = [];

  add(line: number, reason: ReplaySkipReason, detail: string): void {
    this.total += 1;
    this.byReason[reason] += 1;
    if (this.lines.length < LISTED_SKIPPED_LINES) this.lines.push({ line, reason, detail: detail.slice(0, 300) });
  }

  view(): { total: number; byReason: Record<ReplaySkipReason, number>; lines: SkippedLine[] } {
    return { total: this.total, byReason: { ...this.byReason }, lines: [...this.lines] };
  }
}
