import { memo, useRef, useState } from 'react';
import { useMounted, useWorkbench } from '../../context.js';
import { ConsoleExamples } from './ConsoleExamples.js';
import { ConsoleInput } from './ConsoleInput.js';
import { loadHistory, saveHistory, withLine } from './console-history.js';
import { Transcript, type Exchange } from './Transcript.js';

/** Exchanges kept on screen; older ones scroll away for good, so a long session stays light. */
const TRANSCRIPT_LIMIT = 500;

/**
 * One connection's console: the transcript, the command line with its history, the examples.
 * Memoised on plain props because the page above re-renders with every live frame.
 */
export const ConsoleSession = memo(function ConsoleSession({ connectionId, name }: { connectionId: string; name: string }) {
  const { client } = useWorkbench();
  const mounted = useMounted();
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [history, setHistory] = useState<readonly string[]>(() => loadHistory(connectionId));
  const nextId = useRef(1);
  const inputRef = useRef<HTMLInputElement | null>(null);

  const run = (line: string) => {
    const id = nextId.current++;
    setExchanges((before) => [...before, { id, prompt: name, line, reply: null, failure: null }].slice(-TRANSCRIPT_LIMIT));
    const next = withLine(history, line);
    if (next !== history) {
      setHistory(next);
      saveHistory(connectionId, next);
    }
    const settle = (result: Pick<Exchange, 'reply' | 'failure'>) => {
      if (mounted.current) setExchanges((before) => before.map((exchange) => (exchange.id === id ? { ...exchange, ...result } : exchange)));
    };
    client.console(line).then(
      (reply) => settle({ reply, failure: null }),
      (failure: Error) => settle({ reply: null, failure: failure.message || 'no answer' }),
    );
  };

  return (
    <div className="console-layout">
      <div className="panel console-panel" role="region" aria-labelledby="console-transcript-title">
        <div className="panel-title-row">
          <h2 id="console-transcript-title">Transcript</h2>
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              setExchanges([]);
              inputRef.current?.focus();
            }}
            disabled={exchanges.length === 0}
          >
            Clear
          </button>
        </div>
        <Transcript exchanges={exchanges} />
        <ConsoleInput prompt={name} history={history} onRun={run} inputRef={inputRef} />
      </div>
      <ConsoleExamples
        onRun={(line) => {
          run(line);
          inputRef.current?.focus();
        }}
      />
    </div>
  );
});
