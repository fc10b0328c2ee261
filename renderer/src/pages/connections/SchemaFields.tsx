import type { SchemaMapping } from '../../../../core/domain/connection.js';
import { exampleKeys } from './connection-draft.js';

const FIELDS: Array<{ key: keyof SchemaMapping; label: string }> = [
  { key: 'keyPrefix', label: 'Key prefix' },
  { key: 'sensorData', label: 'Events sorted set' },
  { key: 'climatePrefix', label: 'Climate counter prefix' },
  { key: 'devicePrefix', label: 'Device hash prefix' },
  { key: 'warningsChannel', label: 'Warnings channel' },
  { key: 'namespace', label: 'Smart-meter namespace' },
];

/** How this Redis names the data model's keys, with the names that result, so a mapping can be checked before saving. */
export function SchemaFields({ schema, onChange }: { schema: SchemaMapping; onChange: (schema: SchemaMapping) => void }) {
  return (
    <fieldset className="form-section">
      <legend>Key names</legend>
      <p className="field-hint">For a Redis that names the data model differently. The defaults are the source documents’ names.</p>
      <div className="field-grid">
        {FIELDS.map((field) => (
          <label key={field.key}>
            {field.label}
            <input type="text" className="mono" value={schema[field.key]} spellCheck={false} onChange={(event) => onChange({ ...schema, [field.key]: event.target.value })} />
          </label>
        ))}
      </div>
      <dl className="hash key-examples" aria-label="Resulting key names" data-testid="schema-examples">
        {exampleKeys(schema).map((example) => (
          <div key={example.what} className="hash-row">
            <dt>{example.what}</dt>
            <dd>
              <code>{example.name}</code>
            </dd>
          </div>
        ))}
      </dl>
    </fieldset>
  );
}
