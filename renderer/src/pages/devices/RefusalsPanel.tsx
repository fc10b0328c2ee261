import { useCallback, useId } from 'react';
import { Banner } from '../../components.js';
import { usePolling, useWorkbench } from '../../context.js';
import { formatClock, formatDateTime } from '../../format.js';
import { ExportControl } from '../export/ExportControl.js';

const REFUSALS_POLL_MS = 3000;

/** Everything the broker refused since it started: counts by reason, and the latest ones with who and where. */
export function RefusalsPanel() {
  const { client } = useWorkbench();
  const fetchRefusals = useCallback(() => client.refusals(), [client]);
  const { data: summary, error, refresh } = usePolling(fetchRefusals, REFUSALS_POLL_MS);
  const titleId = useId();
  const counted = summary ? Object.entries(summary.byCode).filter(([, count]) => count > 0) : [];

  return (
    <section className="panel" aria-labelledby={titleId} data-testid="refusals">
      <div className="panel-title-row">
        <h2 id={titleId}>Refusals{summary && ` (${summary.total})`}</h2>
        <ExportControl view="refusals" query={{}} what="the latest refusals" />
      </div>
      {error && (
        <Banner tone="error" title="Could not read the broker’s refusals." onRetry={refresh}>
          {error}
        </Banner>
      )}
      {summary && summary.total === 0 && <p className="field-hint">Nothing refused since the broker started.</p>}
      {counted.length > 0 && (
        <ul className="notice-list" aria-label="Refusals by reason">
          {counted.map(([code, count]) => (
            <li key={code}>
              <code>{code}</code> {count}
            </li>
          ))}
        </ul>
      )}
      {summary && summary.recent.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Recent refusals">
            <thead>
              <tr>
                {['Time', 'Action', 'Client', 'Address', 'Topic', 'Reason'].map((column) => (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {summary.recent.map((refusal, index) => (
                <tr key={`${refusal.at}-${index}`} data-testid="refusal-row">
                  <td title={formatDateTime(refusal.at)}>{formatClock(refusal.at)}</td>
                  <td>{refusal.action}</td>
                  <td>
                    {refusal.clientId === '' ? (
                      <span className="muted" title="Refused before its CONNECT gave the broker a client id">
                        not yet known
                      </span>
                    ) : (
                      <code>{refusal.clientId}</code>
                    )}
                  </td>
                  <td>{refusal.address ?? '—'}</td>
                  <td>{refusal.topic === null ? '—' : <code className="wrap">{refusal.topic}</code>}</td>
                  <td>{refusal.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
