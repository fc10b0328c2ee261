import type { ApiKeyCreated } from '../../../../core/api/api-keys.js';
import { CopyButton } from '../devices/CopyButton.js';

/** The new key's secret, this once, with a request to try it. */
export function ApiKeySecretPanel({ created, apiUrl, onDismiss }: { created: ApiKeyCreated; apiUrl: string | null; onDismiss: () => void }) {
  const curl = `curl -H 'Authorization: Bearer ${created.key}' ${apiUrl ?? 'http://127.0.0.1:8787'}/v1/climate`;
  return (
    <section className="panel" aria-labelledby="api-key-secret-title" data-testid="api-key-secret">
      <h2 id="api-key-secret-title">Key {created.apiKey.name} created</h2>
      <p>Copy it now: it is shown only this once, and Redis keeps only a hash of it.</p>
      <p className="command">
        <code data-testid="api-key-value">{created.key}</code>
      </p>
      <CopyButton text={created.key} label="Copy the API key" />
      <p>Try it:</p>
      <p className="command">
        <code className="wrap" data-testid="api-key-curl">
          {curl}
        </code>
      </p>
      <CopyButton text={curl} label="Copy the curl command" />
      <div className="button-row">
        <button type="button" className="button button-quiet" onClick={onDismiss}>
          Done, hide the key
        </button>
      </div>
    </section>
  );
}
