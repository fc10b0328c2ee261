import { useId, useState, type FormEvent } from 'react';
import { INDEX_TRANSFORMS, type IndexKind, type IndexTransform } from '../../../../core/domain/index-definition.js';
import { InlineError, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';

/** Name, the hashes (a SCAN MATCH pattern), the field and the kind of a new index; building starts at once. */
export function DefineIndexForm({ refusal, onDefined }: { refusal: string | null; onDefined: () => void }) {
  const { client } = useWorkbench();
  const titleId = useId();
  const [name, setName] = useState('climate');
  const [match, setMatch] = useState('*');
  const [field, setField] = useState('climate');
  const [kind, setKind] = useState<IndexKind>('set');
  const [transform, setTransform] = useState<IndexTransform>('none');
  const define = useTask();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void define.run(() => client.defineIndex({ name, match, field, kind, transform: kind === 'set' ? transform : 'none' }), onDefined);
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="define-index-form">
      <h2 id={titleId}>Define an index</h2>
      {refusal && (
        <p className="notice" role="status" data-testid="build-refusal">
          This connection cannot build indexes: {refusal}. The scan side of the comparison below still runs.
        </p>
      )}
      <div className="field-grid">
        <label>
          Name
          <input type="text" className="mono" value={name} onChange={(event) => setName(event.target.value)} spellCheck={false} autoComplete="off" />
        </label>
        <label>
          Hashes (SCAN MATCH)
          <input type="text" className="mono" value={match} onChange={(event) => setMatch(event.target.value)} spellCheck={false} autoComplete="off" />
        </label>
        <label>
          Field
          <input type="text" className="mono" value={field} onChange={(event) => setField(event.target.value)} spellCheck={false} autoComplete="off" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value === 'zset' ? 'zset' : 'set')}>
            <option value="set">set per value</option>
            <option value="zset">zset by number</option>
          </select>
        </label>
        {kind === 'set' && (
          <label>
            Transform
            <select value={transform} onChange={(event) => setTransform(INDEX_TRANSFORMS.find((one) => one === event.target.value) ?? 'none')}>
              <option value="none">the value as it is</option>
              <option value="ipv4-24">IPv4 /24 network</option>
            </select>
          </label>
        )}
      </div>
      <p className="field-hint">
        <code>*</code> is the thermostat hashes (and <code>&lt;namespace&gt;:devices:*</code> the meters): ingest keeps those current in its own batches. Over any other
        pattern the index is written by its build and by repair only.
      </p>
      {define.error && <InlineError>Not defined: {define.error}</InlineError>}
      <SubmitRow busy={define.busy} busyLabel="Defining…" disabled={refusal !== null}>
        Define and build
      </SubmitRow>
    </form>
  );
}
