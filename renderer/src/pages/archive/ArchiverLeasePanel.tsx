import type { ArchiveLease, ArchiveStatus } from '../../../../core/api/archive.js';
import { formatClock, formatDateTime, formatInt, formatRelative, formatSpan } from '../../format.js';

/** Who archives: one archiver at a time across every workbench process on this Redis, the one holding the lease. */
export function ArchiverLeasePanel({ archive }: { archive: ArchiveStatus }) {
  return (
    <div className="panel" role="region" aria-labelledby="lease-title" data-testid="archive-lease">
      <h2 id="lease-title">Archiver lease</h2>
      <p className="hint">
        One archiver at a time archives, across every process on this Redis: the one holding the lease. Its holder renews it every{' '}
        {formatSpan(archive.leaseMs / 3000)}; one that stops is replaced within {formatSpan((2 * archive.leaseMs) / 1000)}.
      </p>
      <LeaseDetails lease={archive.lease} archiverId={archive.archiverId} />
    </div>
  );
}

function LeaseDetails({ lease, archiverId }: { lease: ArchiveLease; archiverId: string }) {
  if (lease.state === 'free') {
    return <p data-testid="archive-lease-holder">No holder: no archiver holds the lease right now, so none archives; the next one to try takes it.</p>;
  }
  if (lease.state === 'unreadable') {
    return (
      <p data-testid="archive-lease-holder">
        The lease key holds something that is not a lease ({lease.detail}); no archiver archives until it expires ({expiry(lease.expiresAt)}).
      </p>
    );
  }
  const rows: Array<[string, string, string]> = [
    ['Holder', lease.mine ? `${lease.holder} (this workbench)` : `${lease.holder} (another process; this one is ${archiverId})`, 'archive-lease-holder'],
    ['Host / pid', `${lease.host} / ${lease.pid}`, 'archive-lease-host'],
    ['Since', `${formatDateTime(lease.since)} (${formatRelative(lease.since)})`, 'archive-lease-since'],
    ['Expires', `${expiry(lease.expiresAt)} unless renewed`, 'archive-lease-expires'],
    ['Fencing token', formatInt(lease.token), 'archive-lease-token'],
  ];
  return (
    <dl className="hash" aria-label="Lease holder">
      {rows.map(([name, value, testId]) => (
        <div key={name} className="hash-row">
          <dt>{name}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function expiry(expiresAt: number | null): string {
  return expiresAt === null ? 'never: the key has no expiry' : `${formatRelative(expiresAt)} (at ${formatClock(expiresAt)})`;
}
