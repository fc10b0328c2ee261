import { useEffect, useState } from 'react';
import type { PendingBucket } from '../../../../core/api/archive.js';
import { EmptyState, InlineError, Loading } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBucketStart, formatInt } from '../../format.js';

/** Entries asked for per SSCAN step. */
const PENDING_STEP = 100;
/** Entries kept across "Scan more" steps. */
const PENDING_CAP = 5000;

/** The pending set walked with SSCAN, one step per "Scan more", as the archiver walks it. */
export function PendingBucketsTable() {
  const { client } = useWorkbench();
  const [found, setFound] = useState<PendingBucket[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [steps, setSteps] = useState(0);
  const { busy, error, run } = useTask();

  const step = (from: string) =>
    run(
      () => client.pendingBuckets(from, PENDING_STEP),
      (result) => {
        const fresh = from === '0';
        // SSCAN may return an entry twice; the key says which it is.
        setFound((previous) => {
          const merged = new Map((fresh ? [] : previous).map((bucket) => [bucket.key, bucket]));
          for (const bucket of result.buckets) merged.set(bucket.key, bucket);
          return [...merged.values()].slice(0, PENDING_CAP);
        });
        setCursor(result.cursor);
        setSteps((n) => (fresh ? 1 : n + 1));
      },
    );

  // The first request on opening (and for a new client); later ones are the user's.
  useEffect(() => {
    void step('0');
  }, [client]);

  const complete = cursor === '0';
  const capped = found.length >= PENDING_CAP;

  return (
    <div className="panel" role="region" aria-labelledby="pending-title">
      <div className="panel-title-row">
        <h2 id="pending-title">Pending buckets</h2>
        <span className="button-row">
          <button type="button" className="button" disabled={busy || cursor === null || complete || capped} onClick={() => cursor && void step(cursor)}>
            Scan more
          </button>
          <button type="button" className="button button-quiet" disabled={busy} onClick={() => void step('0')}>
            Start over
          </button>
        </span>
      </div>
      <p className="muted small">
        Bucket lists not yet archived (<code>SSCAN</code> of the pending set, {PENDING_STEP} per step). Stale ones — ended more than the
        grace period ago — go with the next pass; the others still take readings.
      </p>
      {error && <InlineError>Could not scan the pending set: {error}</InlineError>}
      {cursor === null ? (
        !error && <Loading what="the pending set" />
      ) : (
        <>
          <p className="small" data-testid="pending-summary">
            {formatInt(found.length)} found in {formatInt(steps)} {steps === 1 ? 'step' : 'steps'} ·{' '}
            {complete ? 'scan complete (cursor 0)' : capped ? `showing the first ${formatInt(PENDING_CAP)}` : `next cursor ${cursor}`}
          </p>
          {found.length === 0 ? (
            <EmptyState title={complete ? 'Nothing is pending: every bucket is archived.' : 'Nothing in this step.'}>
              {complete ? 'Meter readings create pending buckets as they arrive.' : 'SSCAN may return nothing in a step and still have more: press “Scan more”.'}
            </EmptyState>
          ) : (
            <div className="table-wrap table-scroll">
              <table className="table" aria-label="Pending buckets" data-testid="pending-table">
                <thead>
                  <tr>
                    <th scope="col">Meter</th>
                    <th scope="col">Bucket (UTC)</th>
                    <th scope="col" className="num">
                      Readings
                    </th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {found.map((bucket) => (
                    <tr key={bucket.key} data-testid="pending-bucket" title={bucket.key}>
                      <th scope="row">
                        <code>{bucket.deviceId}</code>
                      </th>
                      <td className="nowrap">{formatBucketStart(bucket.bucketStart)}</td>
                      <td className="num">{formatInt(bucket.readings)}</td>
                      <td>{bucket.stale ? <span className="badge badge-starting">stale</span> : <span className="badge">open</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
