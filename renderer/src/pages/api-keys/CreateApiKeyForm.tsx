import { useId, useState, type FormEvent } from 'react';
import type { ApiKeyCreated } from '../../../../core/api/api-keys.js';
import { InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { deviceList } from './device-list.js';

/** Creates a key; the answer carries its secret, shown once by the page. */
export function CreateApiKeyForm({ onCreated }: { onCreated: (created: ApiKeyCreated) => void }) {
  const { client } = useWorkbench();
  const [name, setName] = useState('');
  const [limit, setLimit] = useState('50');
  const [devices, setDevices] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useTask();
  const titleId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const limitPer5s = Number(limit);
    if (name.trim() === '') return setProblem('Give the key a name: who or what uses it.');
    if (!Number.isInteger(limitPer5s) || limitPer5s < 1) return setProblem('The limit is a whole number of requests per 5 seconds, at least 1.');
    setProblem(null);
    const scope = deviceList(devices);
    void create.run(
      () => client.createApiKey({ name: name.trim(), limitPer5s, ...(scope && { devices: scope }) }),
      (created) => {
        setName('');
        setDevices('');
        onCreated(created);
      },
    );
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="create-api-key-form">
      <h2 id={titleId}>Create a key</h2>
      <div className="field-grid">
        <label>
          Name
          <input type="text" value={name} onChange={(event) => setName(event.target.value)} placeholder="energy dashboard" autoComplete="off" />
        </label>
        <label>
          Limit (requests per 5 s)
          <input type="number" min={1} value={limit} onChange={(event) => setLimit(event.target.value)} />
        </label>
        <label>
          Devices (empty = every device)
          <input type="text" className="mono" value={devices} onChange={(event) => setDevices(event.target.value)} placeholder="D704206006772, T-1" spellCheck={false} autoComplete="off" />
        </label>
      </div>
      <p className="field-hint">A key scoped to devices reads only their routes (/v1/meters/&lt;id&gt;…, /v1/thermostats/&lt;id&gt;); lists and climate counters answer it 403.</p>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={create.busy}>
          Create key
        </button>
      </div>
      {problem && <InlineError>{problem}</InlineError>}
      {create.error && <InlineError>Not created: {create.error}</InlineError>}
    </form>
  );
}
