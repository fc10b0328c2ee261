import { useCallback } from 'react';
import { Banner, EmptyState, Loading, PageHeader } from '../components.js';
import { usePolling, useWorkbench } from '../context.js';
import { DefineIndexForm } from './indexes/DefineIndexForm.js';
import { IndexRow } from './indexes/IndexRow.js';
import { TradeOffPanel } from './indexes/TradeOffPanel.js';

const REFRESH_MS = 1000;

/** The source paper's unforeseen indexes: define one over live data, watch it build, verify it, and see what it saves over a scan. */
export function IndexesPage() {
  const { client } = useWorkbench();
  const fetchIndexes = useCallback(() => client.indexes(), [client]);
  const { data: list, error, refresh } = usePolling(fetchIndexes, REFRESH_MS);

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Indexes">
        A query nobody planned for: scan for it, or build an index (a set per value, or a zset by a number) while readings keep arriving.
      </PageHeader>
      {error && (
        <Banner tone="error" title="Could not read the indexes." onRetry={refresh}>
          {error}
        </Banner>
      )}
      {!list ? (
        !error && <Loading what="the indexes" />
      ) : (
        <>
          <DefineIndexForm refusal={list.buildRefusal} onDefined={refresh} />
          {list.indexes.length === 0 ? (
            <EmptyState title="No index defined yet." testId="no-indexes" />
          ) : (
            <ul className="index-list" aria-label="Indexes">
              {list.indexes.map((index) => (
                <IndexRow key={index.definition.name} index={index} canWrite={list.buildRefusal === null} onChanged={refresh} />
              ))}
            </ul>
          )}
          <TradeOffPanel indexes={list.indexes} />
        </>
      )}
    </section>
  );
}
