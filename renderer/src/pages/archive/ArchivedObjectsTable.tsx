import { useEffect, useState } from 'react';
import type { ArchivedObjects } from '../../../../core/api/archive.js';
import { EmptyState, InlineError, Loading } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBytes, formatDateTime, formatInt, isoTime } from '../../format.js';

/** The archived objects under energy/, one ListObjectsV2 page at a time. */
export function ArchivedObjectsTable() {
  const { client } = useWorkbench();
  const [page, setPage] = useState<ArchivedObjects | null>(null);
  const [pageNumber, setPageNumber] = useState(1);
  const { busy, error, run } = useTask();

  const load = (after: string | null, number: number) =>
    run(
      () => client.archivedObjects(after),
      (result) => {
        setPage(result);
        setPageNumber(number);
      },
    );

  // The first request on opening (and for a new client); later ones are the user's.
  useEffect(() => {
    void load(null, 1);
  }, [client]);

  return (
    <div className="panel" role="region" aria-labelledby="objects-title">
      <div className="panel-title-row">
        <h2 id="objects-title">Archived objects</h2>
        <span className="button-row">
          <button type="button" className="button" disabled={busy || !page?.next} onClick={() => page?.next && void load(page.next, pageNumber + 1)}>
            Next page
          </button>
          <button type="button" className="button button-quiet" disabled={busy} onClick={() => void load(null, 1)}>
            First page
          </button>
        </span>
      </div>
      {error && <InlineError>Could not list the archived objects: {error}</InlineError>}
      {!page ? (
        !error && <Loading what="the archived objects" />
      ) : page.objects.length === 0 ? (
        <EmptyState title="No objects archived yet.">A pass uploads each stale bucket as one LZ4-compressed NDJSON object.</EmptyState>
      ) : (
        <>
          <p className="small muted">
            Page {formatInt(pageNumber)}
            {page.next ? '' : ' (the last)'}, {formatInt(page.objects.length)} objects.
          </p>
          <div className="table-wrap table-scroll">
            <table className="table" aria-label="Archived objects" data-testid="objects-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Last modified</th>
                </tr>
              </thead>
              <tbody>
                {page.objects.map((object) => (
                  <tr key={object.key} data-testid="archived-object">
                    <th scope="row">
                      <code className="wrap">{object.key}</code>
                    </th>
                    <td className="num">{formatBytes(object.bytes)}</td>
                    <td className="nowrap">
                      <time dateTime={isoTime(object.lastModified)}>{formatDateTime(object.lastModified)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
