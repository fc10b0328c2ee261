import { useId, useState, type FormEvent } from 'react';
import type { BrokerPublishResult } from '../../../../core/api/broker.js';
import { InlineError, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBytes, formatClock } from '../../format.js';

/** Publishes one message as the workbench itself, to try a subscriber, a topic rule or ingest. */
export function PublishForm({ onPublished }: { onPublished: () => void }) {
  const { client } = useWorkbench();
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [qos, setQos] = useState<0 | 1>(0);
  const [retain, setRetain] = useState(false);
  const [outcome, setOutcome] = useState<BrokerPublishResult | null>(null);
  const publish = useTask();
  const titleId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    void publish.run(
      () => client.publishTestMessage({ topic, payload, qos, retain }),
      (result) => {
        setOutcome(result);
        onPublished();
      },
    );
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="publish-form">
      <h2 id={titleId}>Publish a test message</h2>
      <div className="field-grid">
        <label>
          Topic
          <input type="text" className="mono" value={topic} onChange={(event) => setTopic(event.target.value)} placeholder="workbench/test" spellCheck={false} autoComplete="off" />
        </label>
        <label>
          QoS
          <select value={qos} onChange={(event) => setQos(event.target.value === '1' ? 1 : 0)}>
            <option value="0">0 (at most once)</option>
            <option value="1">1 (at least once)</option>
          </select>
        </label>
      </div>
      <label>
        Payload
        <textarea rows={3} className="mono" value={payload} onChange={(event) => setPayload(event.target.value)} placeholder='{"hello":"broker"}' spellCheck={false} />
      </label>
      <label className="check">
        <input type="checkbox" checked={retain} onChange={(event) => setRetain(event.target.checked)} />
        Retain
      </label>
      <p className="field-hint">
        Sent by the workbench itself, past the device rules: subscribers, and ingest on its topics, receive it like any message. A retained message goes to
        each new subscriber at once; an empty retained one clears it.
      </p>
      {publish.error && <InlineError>Not published: {publish.error}</InlineError>}
      {outcome && (
        <p className="notice" role="status" data-testid="publish-outcome">
          Published {formatBytes(outcome.size)} to <code>{outcome.topic}</code> at QoS {outcome.qos}
          {outcome.retain ? ', retained' : ''} ({formatClock(outcome.at)}).
        </p>
      )}
      <SubmitRow busy={publish.busy} busyLabel="Publishing…">
        Publish
      </SubmitRow>
    </form>
  );
}
