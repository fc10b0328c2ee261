import { useCallback, useState } from 'react';
import type { ApiKeyCreated } from '../../../core/api/api-keys.js';
import { Banner, EmptyState, Loading, PageHeader, TableHead } from '../components.js';
import { usePolling, useWorkbench } from '../context.js';
import { ApiKeyRow, API_KEY_COLUMNS } from './api-keys/ApiKeyRow.js';
import { ApiKeySecretPanel } from './api-keys/ApiKeySecretPanel.js';
import { ApiKeyUsagePanel } from './api-keys/ApiKeyUsagePanel.js';
import { CreateApiKeyForm } from './api-keys/CreateApiKeyForm.js';

const KEYS_POLL_MS = 5000;

/** The client API's keys: create one (its secret shown once), scope and limit them, revoke them, watch their usage. */
export function ApiKeysPage() {
  const { client } = useWorkbench();
  const fetchKeys = useCallback(() => client.apiKeys(), [client]);
  const { data: list, error, refresh } = usePolling(fetchKeys, KEYS_POLL_MS);
  // The only copy of the secret: page state, gone when the page unmounts.
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [watched, setWatched] = useState<string | null>(null);

  const onCreated = (answer: ApiKeyCreated) => {
    setCreated(answer);
    setWatched(answer.id);
    refresh();
  };
  const onRevoked = (id: string) => {
    if (created?.id === id) setCreated(null);
    if (watched === id) setWatched(null);
    refresh();
  };
  const watchedKey = list?.keys.find((key) => key.id === watched) ?? null;

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="API keys">
        Client apps read meters, energy, thermostats, events and climate counters from the client API{list?.apiUrl ? ` at ${list.apiUrl}` : ''} with a key.
        Each key is throttled per 5-second interval and its usage counted per minute and hour, all in Redis as the source paper does it.
      </PageHeader>
      {list && list.apiUrl === null && (
        <Banner tone="warning" title="The client API is off.">
          Started with --no-api or in read-only mode: keys can be managed, but nothing answers them.
        </Banner>
      )}
      <CreateApiKeyForm onCreated={onCreated} />
      {created && <ApiKeySecretPanel key={`secret-${created.id}`} created={created} apiUrl={list?.apiUrl ?? null} onDismiss={() => setCreated(null)} />}
      <section className="panel" aria-labelledby="api-keys-title">
        <h2 id="api-keys-title">Keys</h2>
        {error && (
          <Banner tone="error" title="Could not read the API keys." onRetry={refresh} testId="api-keys-error">
            {error}
          </Banner>
        )}
        {!list ? (
          !error && <Loading what="the API keys" />
        ) : list.keys.length === 0 ? (
          <EmptyState title="No API keys yet.">Create one above; until then the client API answers every request 401.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="API keys">
              <TableHead columns={API_KEY_COLUMNS} />
              <tbody>
                {list.keys.map((key) => (
                  <ApiKeyRow key={key.id} apiKey={key} watched={key.id === watched} onWatch={() => setWatched(key.id)} onChanged={refresh} onRevoked={() => onRevoked(key.id)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {watchedKey && <ApiKeyUsagePanel key={`usage-${watchedKey.id}`} apiKey={watchedKey} />}
    </section>
  );
}
