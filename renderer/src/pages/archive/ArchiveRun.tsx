import type { ArchiveProgress, ArchiveRunSummary, ArchiveStatus } from '../../../../core/api/archive.js';
import { Figure, InlineError } from '../../components.js';
import { formatBytes, formatDateTime, formatElapsed, formatInt, formatRatio, formatRelative, isoTime } from '../../format.js';

/** Run now, the pass under way with its progress, and the last finished pass. */
export function ArchiveRun({
  archive,
  onRun,
  starting,
  error,
}: {
  archive: ArchiveStatus;
  onRun: () => void;
  starting: boolean;
  error: string | null;
}) {
  const { running, lastRun } = archive;
  return (
    <div className="panel" role="region" aria-labelledby="archive-run-title">
      <div className="panel-title-row">
        <h2 id="archive-run-title">Archive passes</h2>
        <button
          type="button"
          className="button button-primary"
          disabled={!archive.configured || starting || running !== null}
          onClick={onRun}
          title={archive.configured ? undefined : 'Set an S3 bucket first'}
        >
          {running ? 'Running…' : 'Run now'}
        </button>
      </div>
      {error && <InlineError>Could not start a pass: {error}</InlineError>}
      {running && <RunProgress progress={running} />}
      <h3>Last pass</h3>
      {lastRun ? <LastRun run={lastRun} /> : <p className="muted">No pass has finished since the stack started.</p>}
    </div>
  );
}

function RunProgress({ progress }: { progress: ArchiveProgress }) {
  // While the pending set is still being scanned, the total grows; done never passes it.
  const total = Math.max(progress.bucketsTotal, progress.bucketsDone);
  const share = total > 0 ? progress.bucketsDone / total : 0;
  const of = `${formatInt(progress.bucketsDone)} of ${formatInt(total)} buckets`;
  return (
    <div className="run-progress" data-testid="archive-progress">
      <p>
        <strong>{progress.trigger === 'manual' ? 'Pass started by hand' : 'Scheduled pass'}</strong>{' '}
        <span className="muted">{formatRelative(progress.startedAt)}</span>
      </p>
      <div
        className={`progress${progress.scanComplete ? '' : ' progress-scanning'}`}
        role="progressbar"
        aria-label="Buckets archived"
        aria-valuemin={0}
        aria-valuemax={Math.max(1, total)}
        aria-valuenow={progress.bucketsDone}
        aria-valuetext={progress.scanComplete ? of : `${of} found so far`}
      >
        <div className="progress-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="small">
        {of}
        {progress.scanComplete ? '' : ' found so far — still scanning the pending set'}
        {progress.bucketsFailed > 0 && `, ${formatInt(progress.bucketsFailed)} failed`}
        {progress.bucketsLate > 0 && `, ${formatInt(progress.bucketsLate)} left for the next pass (readings arrived meanwhile)`} ·{' '}
        {formatInt(progress.readings)} readings · {formatBytes(progress.bytesIn)} in → {formatBytes(progress.bytesOut)} out (
        {formatRatio(progress.bytesOut > 0 ? progress.bytesIn / progress.bytesOut : null)})
      </p>
    </div>
  );
}

function LastRun({ run }: { run: ArchiveRunSummary }) {
  return (
    <>
      <dl className="figures" data-testid="archive-last-run">
        <Figure
          label="Finished"
          value={<time dateTime={isoTime(run.finishedAt)}>{formatRelative(run.finishedAt)}</time>}
          hint={`${formatDateTime(run.finishedAt)}, ${run.trigger === 'manual' ? 'by hand' : 'scheduled'}`}
          testId="last-run-finished"
        />
        <Figure
          label="Buckets archived"
          value={`${formatInt(run.bucketsDone)} of ${formatInt(run.bucketsTotal)}`}
          hint={[run.bucketsFailed > 0 && `${formatInt(run.bucketsFailed)} failed`, run.bucketsLate > 0 && `${formatInt(run.bucketsLate)} late`].filter(Boolean).join(', ') || undefined}
          tone={run.bucketsFailed > 0 ? 'alert' : undefined}
          testId="last-run-buckets"
        />
        <Figure label="Readings" value={formatInt(run.readings)} testId="last-run-readings" />
        <Figure label="Read from Redis" value={formatBytes(run.bytesIn)} hint="NDJSON" testId="last-run-in" />
        <Figure label="Uploaded" value={formatBytes(run.bytesOut)} hint="LZ4" testId="last-run-out" />
        <Figure label="Ratio" value={formatRatio(run.ratio)} testId="last-run-ratio" />
        <Figure label="Took" value={formatElapsed(run.finishedAt - run.startedAt)} testId="last-run-took" />
      </dl>
      {run.error && <InlineError>The pass ended with an error: {run.error}</InlineError>}
    </>
  );
}
