import { useCallback } from 'react';
import { Command, EmptyState, Figure, InlineError, Loading, PageHeader } from '../components.js';
import { useLive, usePolling, useWorkbench } from '../context.js';
import { formatDateTime, formatInt, isoTime, mosquittoFlags } from '../format.js';
import { ExportControl } from './export/ExportControl.js';

const REFRESH_MS = 3000;
const LETTERS = 100;
/** Characters of a payload shown in the table; the full stored text is in the cell's title. */
export const PAYLOAD_PREVIEW = 80;

/** The dead-letter list: what was published but not persisted, and why. */
export function RejectedPage() {
  const { client } = useWorkbench();
  const { status } = useLive();
  const fetchRejected = useCallback(() => client.rejected(LETTERS), [client]);
  const { data, error, refresh } = usePolling(fetchRejected, REFRESH_MS);
  const reasons = data ? Object.entries(data.countsByReason).sort((a, b) => b[1] - a[1]) : [];
  const broker = status?.parts.broker.address;

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Rejected"
        actions={
          <>
            <button type="button" className="button button-quiet" onClick={refresh}>
              Refresh
            </button>
            <ExportControl view="rejected" query={{}} what="every dead letter" />
          </>
        }
      >
        Payloads that reached the broker but were not persisted (not JSON, a missing field, out of range, too big), newest first.
      </PageHeader>
      {error && <InlineError>Could not read the dead letters: {error}</InlineError>}
      {!data ? (
        !error && <Loading what="the dead-letter list" />
      ) : data.total === 0 && data.letters.length === 0 ? (
        <EmptyState title="No rejected payloads — every payload published to temp_readings so far was valid.">
          <p>To see one here, publish something that is not a reading:</p>
          <Command>{`mosquitto_pub ${mosquittoFlags(broker)} -t temp_readings -m 'not json'`}</Command>
        </EmptyState>
      ) : (
        <>
          <h2>By reason</h2>
          <dl className="figures">
            <Figure label="Rejected in all" value={formatInt(data.total)} tone="alert" testId="rejected-total" />
            {reasons.map(([reason, count]) => (
              <Figure key={reason} label={reason} value={formatInt(count)} testId={`rejected-reason-${reason}`} />
            ))}
          </dl>
          <h2>Newest {formatInt(data.letters.length)} dead letters</h2>
          {data.letters.length === 0 ? (
            <EmptyState title="The dead-letter list is empty.">The counts above remain; the list itself may have been trimmed or cleared.</EmptyState>
          ) : (
            <div className="table-wrap table-scroll">
              <table className="table" aria-label="Dead letters" data-testid="rejected-table">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Detail</th>
                    <th scope="col">Topic</th>
                    <th scope="col">Client</th>
                    <th scope="col">Payload</th>
                  </tr>
                </thead>
                <tbody>
                  {data.letters.map((letter, index) => (
                    <tr key={`${letter.at}-${index}`} data-testid="rejected-letter">
                      <td className="nowrap">
                        <time dateTime={isoTime(letter.at)}>{formatDateTime(letter.at)}</time>
                      </td>
                      <td>
                        <span className="badge badge-failed">{letter.reason}</span>
                      </td>
                      <td className="detail">{letter.detail}</td>
                      <td>
                        <code>{letter.topic}</code>
                      </td>
                      <td>{letter.clientId ?? <span className="muted">—</span>}</td>
                      <td>
                        <code className="payload" title={letter.payload}>
                          {truncate(letter.payload)}
                        </code>
                        <span className="muted small"> {formatInt(letter.payloadBytes)} B</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function truncate(text: string, length = PAYLOAD_PREVIEW): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
