import { useId } from 'react';
import type { ConnectionList } from '../../../../core/api/connections.js';
import type { SecretDraft } from './connection-draft.js';

/**
 * A password or private key: never filled in (stored secrets do not come back from the server), so
 * blank keeps the stored one and "Clear" removes it. Disabled, with the reason, where secrets
 * cannot be stored.
 */
export function SecretField({
  label,
  secret,
  stored,
  storage,
  multiline = false,
  takenFrom,
  onChange,
}: {
  label: string;
  secret: SecretDraft;
  /** Whether the connection being edited has one stored. */
  stored: boolean;
  storage: ConnectionList['secretStorage'];
  /** A key in PEM is many lines. */
  multiline?: boolean;
  /** Set when another field supplies the secret (a pasted URL). */
  takenFrom?: string | undefined;
  onChange: (secret: SecretDraft) => void;
}) {
  const hintId = useId();
  const disabled = !storage.available || secret.clear || takenFrom !== undefined;
  const placeholder = takenFrom ?? (stored ? 'stored — leave empty to keep' : 'not set');
  const common = {
    value: secret.value,
    placeholder,
    disabled,
    spellCheck: false,
    autoComplete: 'new-password',
    'aria-describedby': storage.available ? undefined : hintId,
  };
  return (
    <div className="secret-field">
      <label>
        {label}
        {multiline ? (
          <textarea rows={3} {...common} className="mono" onChange={(event) => onChange({ ...secret, value: event.target.value })} />
        ) : (
          <input type="password" {...common} onChange={(event) => onChange({ ...secret, value: event.target.value })} />
        )}
      </label>
      {stored && takenFrom === undefined && (
        <label className="check">
          <input type="checkbox" checked={secret.clear} onChange={(event) => onChange({ value: '', clear: event.target.checked })} />
          Clear the stored {label.toLowerCase()}
        </label>
      )}
      {!storage.available && (
        <p id={hintId} className="field-hint">
          {storage.detail}
        </p>
      )}
    </div>
  );
}
