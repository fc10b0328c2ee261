import { useEffect, useRef } from 'react';
import type { ConsoleReply } from '../../../../core/api/console.js';
import { formatMs } from '../../format.js';

/** A line sent and what came back: the reply, the reason the request failed, or neither yet. */
export interface Exchange {
  id: number;
  /** The connection's name when it was sent. */
  prompt: string;
  line: string;
  reply: ConsoleReply | null;
  failure: string | null;
}

/** What was sent and answered, newest at the bottom and kept in view, like a terminal. */
export function Transcript({ exchanges }: { exchanges: readonly Exchange[] }) {
  const boxRef = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    const box = boxRef.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [exchanges]);

  return (
    <div ref={boxRef} className="console-transcript" role="log" aria-label="Console transcript" tabIndex={0} data-testid="console-transcript">
      {exchanges.length === 0 ? (
        <p className="muted console-hint">
          Type a command below, <code>PING</code> or <code>ZCARD SensorData</code> say, and press Enter; or pick an example.
        </p>
      ) : (
        exchanges.map((exchange) => <ExchangeView key={exchange.id} exchange={exchange} />)
      )}
    </div>
  );
}

function ExchangeView({ exchange: { prompt, line, reply, failure } }: { exchange: Exchange }) {
  return (
    <div className="console-exchange" data-testid="console-exchange">
      <div className="console-echo">
        <span className="console-prompt">{prompt}&gt; </span>
        <span className="console-line">{line}</span>
        {reply && (
          <span className="console-elapsed" data-testid="console-elapsed">
            {formatMs(reply.elapsedMs)}
          </span>
        )}
      </div>
      {failure !== null ? (
        <pre className="console-output console-error" data-testid="console-output">
          (error) {failure}
        </pre>
      ) : reply === null ? (
        <p className="console-pending" role="status">
          waiting for the reply…
        </p>
      ) : (
        <ReplyOutput reply={reply} />
      )}
    </div>
  );
}

/** The reply as the server formatted it; a refusal says so even when the output is empty. */
function ReplyOutput({ reply }: { reply: ConsoleReply }) {
  const text = reply.output !== '' ? reply.output : reply.refused !== null ? `(refused) ${reply.refused}` : '';
  if (text === '') return null;
  const tone = reply.refused !== null ? ' console-error console-refused' : reply.error ? ' console-error' : '';
  return (
    <pre className={`console-output${tone}`} data-testid="console-output">
      {text}
    </pre>
  );
}
