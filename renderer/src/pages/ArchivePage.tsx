import { useCallback, useEffect, useState } from 'react';
import type { ArchiveStatus, ArchiveTarget } from '../../../core/api/archive.js';
import { Banner, Command, EmptyState, Figure, Loading, PageHeader } from '../components.js';
import { useLive, usePolling, useTask, useWorkbench } from '../context.js';
import { formatClock, formatDateTime, formatInt, formatRelative, formatSpan } from '../format.js';
import { ArchivedObjectsTable } from './archive/ArchivedObjectsTable.js';
import { ArchiveRun } from './archive/ArchiveRun.js';
import { ArchiverLeasePanel } from './archive/ArchiverLeasePanel.js';
import { ConnectionTest } from './archive/ConnectionTest.js';
import { PendingBucketsTable } from './archive/PendingBucketsTable.js';

const IDLE_REFRESH_MS = 3000;
/** While a pass runs its progress is followed closely. */
const RUNNING_REFRESH_MS = 500;

/** The S3 archive: where it goes, whether it works, passes and their progress, what waits and what is there. */
export function ArchivePage() {
  const { client, navigate } = useWorkbench();
  const { status } = useLive();
  const [running, setRunning] = useState(false);
  const fetchArchive = useCallback(() => client.archive(), [client]);
  const { data: archive, error, refresh, accept } = usePolling(fetchArchive, running ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS);
  const start = useTask();

  useEffect(() => setRunning(archive?.running != null), [archive]);

  const runNow = () => void start.run(() => client.runArchive(), accept);

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Archive"
        actions={
          <button type="button" className="button button-quiet" onClick={refresh}>
            Refresh
          </button>
        }
      >
        Each energy bucket (one meter&apos;s readings over a day, by default) goes stale once it has ended and a grace period has
        passed; then it is compressed with LZ4, uploaded to S3 as <code>energy/&lt;deviceId&gt;/&lt;bucketStart&gt;.ndjson.lz4</code>,
        verified, and only then removed from Redis.
      </PageHeader>
      {status && !status.connection.builtIn && (
        <p className="notice" data-testid="archive-elsewhere">
          This is the archive of the workbench&apos;s own Redis: the pages show {status.connection.name}, which it does not archive.
          Switch back on the{' '}
          <button type="button" className="link-button" onClick={() => navigate('connections')}>
            Connections page
          </button>{' '}
          to run it.
        </p>
      )}
      {error && (
        <Banner tone="error" title="Could not read the archive status." onRetry={refresh} testId="archive-error">
          {error}
          {archive && ' The figures below are the last ones received.'}
        </Banner>
      )}
      {!archive ? (
        !error && <Loading what="the archive status" />
      ) : (
        <>
          {archive.failing && <FailingBanner failing={archive.failing} onRetry={runNow} />}
          <div className="grid-2">
            <div className="panel" role="region" aria-labelledby="target-title">
              <h2 id="target-title">Target</h2>
              {archive.configured && archive.target ? <TargetDetails target={archive.target} /> : <NotConfigured reason={archive.reason} />}
              <ConnectionTest />
            </div>
            <Schedule archive={archive} />
          </div>
          <ArchiverLeasePanel archive={archive} />
          <ArchiveRun archive={archive} onRun={runNow} starting={start.busy} error={start.error} />
          {/* A finished pass changes both lists: read them afresh. */}
          <PendingBucketsTable key={`pending-${archive.lastRun?.finishedAt ?? 0}`} />
          {archive.configured && <ArchivedObjectsTable key={`objects-${archive.lastRun?.finishedAt ?? 0}`} />}
        </>
      )}
    </section>
  );
}

function FailingBanner({ failing, onRetry }: { failing: NonNullable<ArchiveStatus['failing']>; onRetry: () => void }) {
  return (
    <Banner tone="error" title="Archiving is failing: stale buckets stay in Redis until S3 answers." onRetry={onRetry} testId="archive-failing">
      {failing.error} Failing since {formatDateTime(failing.since)}; the next attempt is {formatRelative(failing.retryAt)} (at{' '}
      {formatClock(failing.retryAt)}).
    </Banner>
  );
}

function TargetDetails({ target }: { target: ArchiveTarget }) {
  const rows: Array<[string, string]> = [
    ['Endpoint', target.endpoint ?? 'AWS S3 (the region’s endpoint)'],
    ['Region', target.region],
    ['Bucket', target.bucket],
    ['Key prefix', target.keyPrefix || '(none)'],
    ['Objects', `${target.keyPrefix}energy/<deviceId>/<bucketStart>.ndjson.lz4`],
    ['Path-style URLs', target.pathStyle ? 'yes' : 'no (virtual-hosted)'],
    ['Credentials', target.credentials === 'explicit' ? 'from the config file' : 'AWS default chain (AWS_* variables, ~/.aws, instance role)'],
  ];
  return (
    <dl className="hash" aria-label="Archive target" data-testid="archive-target">
      {rows.map(([name, value]) => (
        <div key={name} className="hash-row">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function NotConfigured({ reason }: { reason: string | null }) {
  return (
    <EmptyState title="Archiving is off." testId="archive-not-configured">
      <p>{reason ?? 'No S3 bucket is set.'}</p>
      <p>Give the stack a bucket. For MinIO or another S3-compatible server, add its endpoint and path-style URLs:</p>
      <Command>
        {'AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… npm run serve -- --emulate meters --s3-bucket energy-archive --s3-endpoint http://127.0.0.1:9000 --s3-path-style'}
      </Command>
      <p>
        For AWS S3 itself leave out <code>--s3-endpoint</code> and <code>--s3-path-style</code> and set <code>--s3-region</code>.
        Credentials come from <code>AWS_ACCESS_KEY_ID</code>/<code>AWS_SECRET_ACCESS_KEY</code> (or <code>AWS_PROFILE</code>,
        <code>~/.aws</code>, an instance role), or from <code>archive.s3</code> in the data folder&apos;s <code>config.json</code>.
      </p>
    </EmptyState>
  );
}

function Schedule({ archive }: { archive: ArchiveStatus }) {
  const onDemand = archive.intervalSeconds === 0;
  return (
    <div className="panel" role="region" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      <dl className="figures">
        <Figure label="Pending buckets" value={formatInt(archive.pending)} hint="not yet archived (SCARD of the pending set)" testId="archive-pending" />
        <Figure
          label="Next pass"
          value={archive.nextRunAt === null ? (onDemand ? 'on demand' : '–') : formatRelative(archive.nextRunAt)}
          hint={archive.nextRunAt === null ? undefined : formatDateTime(archive.nextRunAt)}
          testId="archive-next-run"
        />
        <Figure label="Interval" value={onDemand ? 'only on demand' : `every ${formatSpan(archive.intervalSeconds)}`} testId="archive-interval" />
        <Figure label="Bucket length" value={formatSpan(archive.bucketSeconds)} testId="archive-bucket-length" />
        <Figure label="Grace" value={formatSpan(archive.graceSeconds)} hint="after a bucket ends, before it is stale" testId="archive-grace" />
      </dl>
    </div>
  );
}
