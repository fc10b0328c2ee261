import { useCallback } from 'react';
import { InlineError, Loading } from '../../components.js';
import { useFetch, useWorkbench } from '../../context.js';

/** The source documents' redis-cli queries with this connection's key names; a click runs one. */
export function ConsoleExamples({ onRun }: { onRun: (line: string) => void }) {
  const { client } = useWorkbench();
  const fetchExamples = useCallback(() => client.consoleExamples(), [client]);
  const { data: examples, error, retry } = useFetch(fetchExamples);

  return (
    <aside className="panel console-examples" aria-labelledby="console-examples-title">
      <h2 id="console-examples-title">Examples</h2>
      {error && (
        <InlineError>
          Could not load the examples: {error}{' '}
          <button type="button" className="link-button" onClick={retry}>
            Try again
          </button>
        </InlineError>
      )}
      {!examples ? (
        !error && <Loading what="the examples" />
      ) : (
        <ul className="example-list">
          {examples.map((example) => (
            <li key={`${example.title}\n${example.line}`}>
              <button type="button" className="example-button" onClick={() => onRun(example.line)}>
                <span className="example-title">{example.title}</span>
                <code>{example.line}</code>
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
