import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ConnectionCheck, ConnectionList, ConnectionView } from '../../../../core/api/connections.js';
import type { ConnectionKind } from '../../../../core/domain/connection.js';
import { InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { CheckSteps } from './CheckSteps.js';
import { draftFrom, draftToInput, newDraft, usesUrl, type ConnectionDraft, type SecretDraft, type SecretName } from './connection-draft.js';
import { SchemaFields } from './SchemaFields.js';
import { SecretField } from './SecretField.js';

const KINDS: Array<{ id: ConnectionKind; name: string }> = [
  { id: 'standalone', name: 'Standalone server' },
  { id: 'sentinel', name: 'Sentinel-managed master' },
  { id: 'cluster', name: 'Cluster' },
];

const FROM_URL = 'taken from the URL';

/** Adds a connection, or edits one (remount, key=, for another). Test tries what is in the form without saving it. */
export function ConnectionForm({
  editing,
  secretStorage,
  onSaved,
  onCancel,
}: {
  editing: ConnectionView | null;
  secretStorage: ConnectionList['secretStorage'];
  onSaved: (saved: ConnectionView) => void;
  onCancel: () => void;
}) {
  const { client } = useWorkbench();
  const [draft, setDraft] = useState<ConnectionDraft>(() => (editing ? draftFrom(editing) : newDraft()));
  const [problem, setProblem] = useState<string | null>(null);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const save = useTask();
  const test = useTask();
  const titleId = useId();

  const change = (patch: Partial<ConnectionDraft>) => setDraft((before) => ({ ...before, ...patch }));
  const changeSecret = (name: SecretName) => (secret: SecretDraft) => setDraft((before) => ({ ...before, secrets: { ...before.secrets, [name]: secret } }));
  const fromUrl = usesUrl(draft);
  const takenFrom = fromUrl ? FROM_URL : undefined;
  const secretProps = (name: SecretName) => ({
    secret: draft.secrets[name],
    stored: editing?.storedSecrets[name] ?? false,
    storage: secretStorage,
    onChange: changeSecret(name),
  });

  /** The input to send, or null after showing what is wrong with the form. */
  const checked = () => {
    const result = draftToInput(draft);
    setProblem(result.problem);
    return result.input;
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = checked();
    if (!input) return;
    void save.run(() => (editing ? client.updateConnection(editing.id, input) : client.addConnection(input)), onSaved);
  };

  const runTest = () => {
    const input = checked();
    if (!input) return;
    setCheck(null);
    void test.run(() => client.testConnectionInput(input, editing?.id), setCheck);
  };

  return (
    <form className="panel form-grid connection-form" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="connection-form">
      <h2 id={titleId}>{editing ? `Edit ${editing.name}` : 'Add connection'}</h2>

      <div className="field-grid">
        <label>
          Name
          <input type="text" value={draft.name} onChange={(event) => change({ name: event.target.value })} placeholder="staging cache" autoFocus />
        </label>
        <label>
          Kind
          <select value={draft.kind} onChange={(event) => change({ kind: event.target.value as ConnectionKind })}>
            {KINDS.map((kind) => (
              <option key={kind.id} value={kind.id}>
                {kind.name}
              </option>
            ))}
          </select>
        </label>
      </div>

      {draft.kind === 'standalone' && (
        <div>
          <label>
            Paste a redis:// or rediss:// URL
            <input
              type="text"
              className="mono"
              value={draft.url}
              onChange={(event) => change({ url: event.target.value })}
              placeholder="rediss://user:password@redis.example.com:6380/0"
              spellCheck={false}
              autoComplete="off"
            />
          </label>
          <p className="field-hint">Optional: the server takes host, port, user, password, database and TLS on or off from it.</p>
        </div>
      )}

      <fieldset className="form-section">
        <legend>Server</legend>
        <div className="field-grid">
          {draft.kind === 'standalone' && (
            <>
              <label>
                Host
                <input type="text" value={draft.host} onChange={(event) => change({ host: event.target.value })} placeholder={takenFrom ?? '127.0.0.1'} disabled={fromUrl} spellCheck={false} />
              </label>
              <label>
                Port
                <input type="text" inputMode="numeric" className="input-narrow" value={draft.port} onChange={(event) => change({ port: event.target.value })} disabled={fromUrl} />
              </label>
            </>
          )}
          <label>
            Username
            <input type="text" value={draft.username} onChange={(event) => change({ username: event.target.value })} placeholder={takenFrom ?? 'default'} disabled={fromUrl} autoComplete="off" spellCheck={false} />
          </label>
          <SecretField label="Password" takenFrom={takenFrom} {...secretProps('password')} />
          {draft.kind !== 'cluster' && (
            <label>
              Database
              <input type="text" inputMode="numeric" className="input-narrow" value={draft.db} onChange={(event) => change({ db: event.target.value })} disabled={fromUrl} />
            </label>
          )}
        </div>
      </fieldset>

      {draft.kind === 'sentinel' && <SentinelFields draft={draft} onChange={change} password={<SecretField label="Sentinel password" {...secretProps('sentinelPassword')} />} />}
      {draft.kind === 'cluster' && <ClusterFields draft={draft} onChange={change} />}

      <fieldset className="form-section">
        <legend>TLS</legend>
        <label className="check">
          <input type="checkbox" checked={draft.tls.enabled} disabled={fromUrl} onChange={(event) => change({ tls: { ...draft.tls, enabled: event.target.checked } })} />
          Use TLS{fromUrl && ' (rediss:// in the URL turns it on)'}
        </label>
        <div className="field-grid">
          <label>
            CA certificate (PEM; blank: the system’s trusted CAs)
            <textarea rows={3} className="mono" value={draft.tls.ca} onChange={(event) => change({ tls: { ...draft.tls, ca: event.target.value } })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" />
          </label>
          <label>
            Client certificate (PEM)
            <textarea rows={3} className="mono" value={draft.tls.cert} onChange={(event) => change({ tls: { ...draft.tls, cert: event.target.value } })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" />
          </label>
          <SecretField label="Client key" multiline {...secretProps('tlsKey')} />
          <label>
            Server name (SNI; blank: the host)
            <input type="text" value={draft.tls.servername} onChange={(event) => change({ tls: { ...draft.tls, servername: event.target.value } })} spellCheck={false} />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={draft.tls.verify} onChange={(event) => change({ tls: { ...draft.tls, verify: event.target.checked } })} />
          Verify the server’s certificate and name
        </label>
        {!draft.tls.verify && (
          <p className="notice" role="note">
            Not verifying means anyone between here and the server can pretend to be it and read the password and the data. Use it only for a
            test server with a self-signed certificate; giving its CA above is the better fix.
          </p>
        )}
      </fieldset>

      <fieldset className="form-section">
        <legend>Timeouts</legend>
        <div className="field-grid">
          <label>
            Connect timeout (ms)
            <input type="text" inputMode="numeric" className="input-narrow" value={draft.connectTimeoutMs} onChange={(event) => change({ connectTimeoutMs: event.target.value })} placeholder="default" />
          </label>
          <label>
            Command timeout (ms)
            <input type="text" inputMode="numeric" className="input-narrow" value={draft.commandTimeoutMs} onChange={(event) => change({ commandTimeoutMs: event.target.value })} placeholder="default" />
          </label>
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>Access</legend>
        <label className="check">
          <input type="checkbox" checked={draft.readOnly} onChange={(event) => change({ readOnly: event.target.checked })} />
          Read-only
        </label>
        <p className="field-hint">
          {draft.readOnly
            ? 'Only commands Redis flags as read-only reach this server: the console refuses the others.'
            : 'Writable: the console sends any command, including ones that change or delete data.'}
        </p>
      </fieldset>

      <SchemaFields schema={draft.schema} onChange={(schema) => change({ schema })} />

      {problem && <InlineError>{problem}</InlineError>}
      {save.error && <InlineError>Not saved: {save.error}</InlineError>}
      {test.error && <InlineError>The test could not run: {test.error}</InlineError>}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={save.busy}>
          {editing ? 'Save changes' : 'Add connection'}
        </button>
        <button type="button" className="button" onClick={runTest} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test'}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {check && <CheckSteps check={check} />}
    </form>
  );
}

function SentinelFields({ draft, onChange, password }: { draft: ConnectionDraft; onChange: (patch: Partial<ConnectionDraft>) => void; password: ReactNode }) {
  const sentinel = draft.sentinel;
  const set = (patch: Partial<ConnectionDraft['sentinel']>) => onChange({ sentinel: { ...sentinel, ...patch } });
  return (
    <fieldset className="form-section">
      <legend>Sentinel</legend>
      <div className="field-grid">
        <label>
          Master name
          <input type="text" value={sentinel.masterName} onChange={(event) => set({ masterName: event.target.value })} placeholder="mymaster" spellCheck={false} />
        </label>
        <label>
          Sentinel nodes (host:port, one a line)
          <textarea rows={3} className="mono" value={sentinel.nodes} onChange={(event) => set({ nodes: event.target.value })} placeholder={'10.0.0.1:26379\n10.0.0.2:26379'} spellCheck={false} />
        </label>
        <label>
          Sentinel username
          <input type="text" value={sentinel.username} onChange={(event) => set({ username: event.target.value })} placeholder="none" autoComplete="off" spellCheck={false} />
        </label>
        {password}
      </div>
      <label className="check">
        <input type="checkbox" checked={sentinel.tls} onChange={(event) => set({ tls: event.target.checked })} />
        TLS to the sentinels too (with the TLS settings below)
      </label>
    </fieldset>
  );
}

function ClusterFields({ draft, onChange }: { draft: ConnectionDraft; onChange: (patch: Partial<ConnectionDraft>) => void }) {
  const cluster = draft.cluster;
  const set = (patch: Partial<ConnectionDraft['cluster']>) => onChange({ cluster: { ...cluster, ...patch } });
  return (
    <fieldset className="form-section">
      <legend>Cluster</legend>
      <div className="field-grid">
        <label>
          Seed nodes (host:port, one a line)
          <textarea rows={3} className="mono" value={cluster.seeds} onChange={(event) => set({ seeds: event.target.value })} placeholder={'10.0.0.1:7000\n10.0.0.2:7000'} spellCheck={false} />
        </label>
        <label>
          NAT map (announced-host:port =&gt; reachable-host:port, one a line)
          <textarea rows={3} className="mono" value={cluster.natMap} onChange={(event) => set({ natMap: event.target.value })} placeholder="172.18.0.2:7000 => 127.0.0.1:7000" spellCheck={false} />
        </label>
      </div>
      <p className="field-hint">The NAT map is for nodes that announce addresses this machine cannot reach (Docker, NAT, SSH tunnels).</p>
    </fieldset>
  );
}
