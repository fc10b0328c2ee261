import { useState } from 'react';
import type { ConnectionCheck, ConnectionView } from '../../../../core/api/connections.js';
import { ConfirmPrompt, InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { CheckSteps } from './CheckSteps.js';
import { describeAddress } from './connection-draft.js';

export const COLUMNS = ['Name', 'Kind', 'Address', 'Access', 'TLS', 'Actions'];

/**
 * One saved connection and what can be done with it: use it (on success every page remounts for
 * it), test it, edit it, delete it after asking. The built-in one is set by the workbench's flags.
 */
export function ConnectionRow({ view, active, activeName, onEdit, onDeleted }: { view: ConnectionView; active: boolean; activeName: string; onEdit: () => void; onDeleted: () => void }) {
  const { client, activateConnection } = useWorkbench();
  const use = useTask();
  const test = useTask();
  const remove = useTask();
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [confirming, setConfirming] = useState(false);
  const busy = use.busy || remove.busy;

  const runTest = () => {
    setCheck(null);
    void test.run(() => client.testConnection(view.id), setCheck);
  };

  const hasDetail = use.error !== null || test.error !== null || remove.error !== null || check !== null || confirming;

  return (
    <>
      <tr data-testid="connection-row" className={active ? 'row-active' : undefined} aria-current={active ? 'true' : undefined}>
        <th scope="row">
          <span className="connection-title">
            {view.name}
            {active && <span className="badge badge-running">active</span>}
            {view.builtIn && (
              <span className="badge" title="The workbench’s own Redis, set by its flags (--redis-url, --read-only)">
                built-in
              </span>
            )}
          </span>
        </th>
        <td>{view.kind}</td>
        <td>
          <code>{describeAddress(view)}</code>
        </td>
        <td>{view.readOnly ? <span className="badge badge-readonly">read-only</span> : 'writable'}</td>
        <td>{view.tls.enabled ? (view.tls.verify ? 'on' : 'on, not verified') : 'off'}</td>
        <td className="actions">
          <span className="button-row">
            <button type="button" className="button button-primary" onClick={() => void use.run(() => activateConnection(view.id), () => undefined)} disabled={active || busy} aria-label={`Use ${view.name}`}>
              {use.busy ? 'Switching…' : 'Use'}
            </button>
            <button type="button" className="button" onClick={runTest} disabled={test.busy} aria-label={`Test ${view.name}`}>
              {test.busy ? 'Testing…' : 'Test'}
            </button>
            {!view.builtIn && (
              <>
                <button type="button" className="button" onClick={onEdit} disabled={busy} aria-label={`Edit ${view.name}`}>
                  Edit
                </button>
                <button
                  type="button"
                  className="button button-quiet"
                  onClick={() => setConfirming(true)}
                  disabled={busy || confirming || active}
                  title={active ? 'In use: switch to another connection first' : undefined}
                  aria-label={`Delete ${view.name}`}
                >
                  Delete
                </button>
              </>
            )}
          </span>
        </td>
      </tr>
      {hasDetail && (
        <tr className="row-detail" data-testid="connection-row-detail">
          <td colSpan={COLUMNS.length}>
            {use.error && (
              <InlineError>
                Could not switch to {view.name}: {use.error} — still using {activeName}.
              </InlineError>
            )}
            {confirming && (
              <ConfirmPrompt
                question={`Delete ${view.name}? Its settings and stored secrets are removed; its Redis is not touched.`}
                confirmLabel={`Yes, delete ${view.name}`}
                busy={remove.busy}
                onConfirm={() => void remove.run(() => client.deleteConnection(view.id), onDeleted)}
                onCancel={() => setConfirming(false)}
              />
            )}
            {remove.error && <InlineError>Not deleted: {remove.error}</InlineError>}
            {test.error && <InlineError>The test could not run: {test.error}</InlineError>}
            {check && <CheckSteps check={check} />}
          </td>
        </tr>
      )}
    </>
  );
}
