import type { ArchiveProgress, ArchiveRunSummary } from '../api/archive.js';

export function emptyProgress(trigger: ArchiveProgress['trigger'], startedAt: number): ArchiveProgress {
  return { trigger, startedAt, bucketsTotal: 0, bucketsDone: 0, bucketsFailed: 0, bucketsLate: 0, readings: 0, bytesIn: 0, bytesOut: 0, scanComplete: false };
}

export function summarize(progress: ArchiveProgress, finishedAt: number, error: string | null): ArchiveRunSummary {
  return { ...progress, finishedAt, ratio: progress.bytesOut > 0 ? progress.bytesIn / progress.bytesOut : null, error };
}

/** Every pass since start added up, for /metrics: counters only grow. */
export interface ArchiveTotals {
  passes: number;
  failedPasses: number;
  bucketsDone: number;
  bucketsFailed: number;
  bytesIn: number;
  bytesOut: number;
}

export const NO_ARCHIVE_PASSES: ArchiveTotals = { passes: 0, failedPasses: 0, bucketsDone: 0, bucketsFailed: 0, bytesIn: 0, bytesOut: 0 };

export function addPass(totals: ArchiveTotals, summary: ArchiveRunSummary): ArchiveTotals {
  return {
    passes: totals.passes + 1,
    failedPasses: totals.failedPasses + (summary.error === null ? 0 : 1),
    bucketsDone: totals.bucketsDone + summary.bucketsDone,
    bucketsFailed: totals.bucketsFailed + summary.bucketsFailed,
    bytesIn: totals.bytesIn + summary.bytesIn,
    bytesOut: totals.bytesOut + summary.bytesOut,
  };
}

/** The pass in one log line: what moved to S3, how well it compressed and how fast it went. */
export function summaryLine(summary: ArchiveRunSummary): string {
  const seconds = Math.max(0, summary.finishedAt - summary.startedAt) / 1000;
  const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);
  const others = [
    summary.bucketsLate > 0 && `${summary.bucketsLate} late`,
    summary.bucketsFailed > 0 && `${summary.bucketsFailed} failed`,
    !summary.scanComplete && 'scan not finished',
  ].filter((part): part is string => part !== false);
  const rate = seconds > 0 ? `, ${megabytes(summary.bytesIn / seconds)} MB/s` : '';
  return (
    `archive (${summary.trigger}): ${summary.bucketsDone}/${summary.bucketsTotal} buckets${others.length > 0 ? ` (${others.join(', ')})` : ''}, ` +
    `${summary.readings} readings, ${megabytes(summary.bytesIn)} MB in, ${megabytes(summary.bytesOut)} MB out` +
    `${summary.ratio !== null ? ` (ratio ${summary.ratio.toFixed(2)})` : ''}, ${seconds.toFixed(1)} s${rate}` +
    `${summary.error !== null ? `; stopped: ${summary.error}` : ''}`
  );
}
