import { useCallback, useState } from 'react';
import type { ConnectionView } from '../../../core/api/connections.js';
import { Banner, Loading, PageHeader, TableHead } from '../components.js';
import { useFetch, useLive, useWorkbench } from '../context.js';
import { ConnectionForm } from './connections/ConnectionForm.js';
import { COLUMNS, ConnectionRow } from './connections/ConnectionRow.js';

/** The form's subject: a new connection, or the saved one being edited. */
type FormSubject = { editing: ConnectionView | null };

/** The saved Redis connections: which one every page reads, switching, testing, adding, editing and deleting them. */
export function ConnectionsPage() {
  const { client, connectionsChanged } = useWorkbench();
  // The page remounts when the active connection changes, so the list's activeId is current.
  const fetchList = useCallback(() => client.connections(), [client]);
  const { data: list, error, retry } = useFetch(fetchList);
  const [form, setForm] = useState<FormSubject | null>(null);

  const refresh = () => {
    retry();
    connectionsChanged();
  };
  const saved = () => {
    setForm(null);
    refresh();
  };
  const deleted = (id: string) => {
    setForm((open) => (open?.editing?.id === id ? null : open));
    refresh();
  };

  const active = list?.connections.find((view) => view.id === list.activeId);

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Connections"
        actions={
          <button type="button" className="button button-primary" onClick={() => setForm({ editing: null })} disabled={!list || form !== null}>
            Add connection
          </button>
        }
      >
        The Redis servers the workbench can read. Every page shows the active one; the emulators and ingest always write to the workbench’s own.
        Other connections are read-only unless you say otherwise.
      </PageHeader>
      <ActiveLimitations />
      {error && (
        <Banner tone="error" title="Could not read the saved connections." onRetry={retry} testId="connections-error">
          {error}
        </Banner>
      )}
      {list && form && (
        <ConnectionForm key={form.editing?.id ?? 'new'} editing={form.editing} secretStorage={list.secretStorage} onSaved={saved} onCancel={() => setForm(null)} />
      )}
      {!list ? (
        !error && <Loading what="the saved connections" />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Saved connections">
            <TableHead columns={COLUMNS} />
            <tbody>
              {list.connections.map((view) => (
                <ConnectionRow
                  key={view.id}
                  view={view}
                  active={view.id === list.activeId}
                  activeName={active?.name ?? list.activeId}
                  onEdit={() => setForm({ editing: view })}
                  onDeleted={() => deleted(view.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What does not work on the active connection and why (a user without SUBSCRIBE, say), so a quiet page is not a mystery. */
function ActiveLimitations() {
  const connection = useLive().status?.connection;
  if (!connection || connection.limitations.length === 0) return null;
  return (
    <div className="notice" data-testid="connection-limitations">
      What does not work on {connection.name}:
      <ul className="notice-list">
        {connection.limitations.map((limitation) => (
          <li key={limitation}>{limitation}</li>
        ))}
      </ul>
    </div>
  );
}
