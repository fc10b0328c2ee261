import { useState, type FormEvent } from 'react';
import type { ApiKeyView } from '../../../../core/api/api-keys.js';
import { ConfirmPrompt, InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatDateTime } from '../../format.js';
import { deviceList } from './device-list.js';

export const API_KEY_COLUMNS = ['Key', 'Name', 'Limit per 5 s', 'Devices', 'Created', 'Actions'];

/** One key: change its limit and scope, revoke it after asking, show its usage. */
export function ApiKeyRow({ apiKey, watched, onWatch, onChanged, onRevoked }: { apiKey: ApiKeyView; watched: boolean; onWatch: () => void; onChanged: () => void; onRevoked: () => void }) {
  const { client } = useWorkbench();
  const revoke = useTask();
  const save = useTask();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const [limit, setLimit] = useState(String(apiKey.limitPer5s));
  const [devices, setDevices] = useState((apiKey.devices ?? []).join(', '));
  const hasDetail = confirming || editing || revoke.error !== null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(
      () => client.updateApiKey(apiKey.id, { limitPer5s: Number(limit), devices: deviceList(devices) }),
      () => {
        setEditing(false);
        onChanged();
      },
    );
  };

  return (
    <>
      <tr data-testid="api-key-row" className={watched ? 'selected' : undefined}>
        <th scope="row">
          <code>{apiKey.id}</code>
        </th>
        <td>{apiKey.name}</td>
        <td className="num">{apiKey.limitPer5s}</td>
        <td>{apiKey.devices === null ? 'every device' : <code className="wrap">{apiKey.devices.join(', ')}</code>}</td>
        <td>{formatDateTime(apiKey.created)}</td>
        <td className="actions">
          <span className="button-row">
            <button type="button" className="button" onClick={onWatch} aria-label={`Usage of ${apiKey.name}`} aria-pressed={watched}>
              Usage
            </button>
            <button type="button" className="button" onClick={() => setEditing((open) => !open)} aria-label={`Change ${apiKey.name}`}>
              Change
            </button>
            <button type="button" className="button button-quiet" disabled={confirming || revoke.busy} onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
              Revoke
            </button>
          </span>
        </td>
      </tr>
      {hasDetail && (
        <tr className="row-detail">
          <td colSpan={API_KEY_COLUMNS.length}>
            {editing && (
              <form className="form-grid" onSubmit={submit} noValidate aria-label={`Change ${apiKey.name}`}>
                <div className="field-grid">
                  <label>
                    Limit (requests per 5 s)
                    <input type="number" min={1} value={limit} onChange={(event) => setLimit(event.target.value)} />
                  </label>
                  <label>
                    Devices (empty = every device)
                    <input type="text" className="mono" value={devices} onChange={(event) => setDevices(event.target.value)} spellCheck={false} autoComplete="off" />
                  </label>
                </div>
                <div className="button-row">
                  <button type="submit" className="button button-primary" disabled={save.busy}>
                    Save
                  </button>
                </div>
                {save.error && <InlineError>Not saved: {save.error}</InlineError>}
              </form>
            )}
            {confirming && (
              <ConfirmPrompt
                question={`Revoke ${apiKey.name}? Every client API process refuses it within a second; its usage counters expire on their own.`}
                confirmLabel={`Yes, revoke ${apiKey.name}`}
                busy={revoke.busy}
                onConfirm={() => void revoke.run(() => client.revokeApiKey(apiKey.id), onRevoked)}
                onCancel={() => setConfirming(false)}
              />
            )}
            {revoke.error && <InlineError>Not revoked: {revoke.error}</InlineError>}
          </td>
        </tr>
      )}
    </>
  );
}
