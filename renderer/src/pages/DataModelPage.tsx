import { Fragment, useCallback } from 'react';
import { EmptyState, Figure, InlineError, Loading, PageHeader } from '../components.js';
import { usePolling, useWorkbench } from '../context.js';
import { formatBytes, formatClock, formatInt, formatSignedRate } from '../format.js';

const REFRESH_MS = 2000;

/** Every key pattern the pipeline writes, how big it is and how fast it grows: the model filling up. */
export function DataModelPage() {
  const { client, navigate } = useWorkbench();
  const fetchModel = useCallback(() => client.dataModel(), [client]);
  const { data: model, error, refresh } = usePolling(fetchModel, REFRESH_MS);

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Data model"
        actions={
          <button type="button" className="button button-quiet" onClick={refresh}>
            Refresh
          </button>
        }
      >
        The keys the pipeline writes, their Redis type, size now and growth, refreshed every {REFRESH_MS / 1000} seconds.
      </PageHeader>
      {error && <InlineError>Could not read the data model: {error}</InlineError>}
      {!model ? (
        !error && <Loading what="the data model" />
      ) : (
        <>
          <dl className="figures">
            <Figure label="Keys in the database" value={formatInt(model.totalKeys)} hint="DBSIZE" testId="total-keys" />
            <Figure label="Used memory" value={formatBytes(model.usedMemoryBytes)} hint="INFO memory used_memory" testId="used-memory" />
          </dl>
          {model.entries.length === 0 ? (
            <EmptyState title="No key patterns reported.">
              Start the emulator on the{' '}
              <button type="button" className="link-button" onClick={() => navigate('emulator')}>
                Emulator page
              </button>{' '}
              and watch the keys appear.
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-label="Key patterns" data-testid="model-table">
                <thead>
                  <tr>
                    <th scope="col">Key pattern</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col" className="num">
                      Growth
                    </th>
                    <th scope="col">Written by</th>
                    <th scope="col">Inspect with</th>
                  </tr>
                </thead>
                <tbody>
                  {model.entries.map((entry) => (
                    <tr key={entry.pattern} data-testid="model-entry">
                      <th scope="row" className="key-cell">
                        <code className="key-pattern">{breakAtColons(entry.pattern)}</code>
                      </th>
                      <td>
                        <span className="badge badge-type">{entry.type}</span>
                      </td>
                      <td className="num">
                        {entry.size === null ? '—' : formatInt(entry.size)} <span className="muted small">{entry.sizeUnit}</span>
                      </td>
                      <td className={`num${entry.growthPerSec ? ' growing' : ''}`}>
                        {entry.size === null ? '—' : entry.growthPerSec === null ? <span className="muted">measuring…</span> : `${formatSignedRate(entry.growthPerSec)} /s`}
                      </td>
                      <td>
                        <code className="wrap">{entry.writtenBy}</code>
                      </td>
                      <td>
                        <code className="wrap">{entry.inspect}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted small">As of {formatClock(model.at)}.</p>
        </>
      )}
    </section>
  );
}

/** Lets long key names wrap after their ":" separators rather than mid-word. */
function breakAtColons(pattern: string) {
  const parts = pattern.split(':');
  return parts.map((part, index) => (
    <Fragment key={index}>
      {part}
      {index < parts.length - 1 && (
        <>
          :<wbr />
        </>
      )}
    </Fragment>
  ));
}
