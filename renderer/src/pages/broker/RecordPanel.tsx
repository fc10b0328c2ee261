import { useId, useState, type FormEvent } from 'react';
import type { RecordingState, RecordingsView } from '../../../../core/api/replay.js';
import { Banner, Figure, InlineError, Loading, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBytes, formatDuration, formatInt, formatRelative } from '../../format.js';
import { stopReasonText } from './record-replay.js';

/** Start and stop recording what the broker delivers, with the running recording's size and count live. */
export function RecordPanel({ view, error, onRetry, onChange }: { view: RecordingsView | null; error: string | null; onRetry: () => void; onChange: () => void }) {
  const titleId = useId();
  return (
    <section className="panel" aria-labelledby={titleId} data-testid="record-panel">
      <h2 id={titleId}>Record</h2>
      <p className="field-hint">
        Every message the broker delivers on a topic filter goes to an NDJSON file in the data dir, one line per message: time, topic, QoS, retain, client
        id and the payload (as text, or base64 when it is not UTF-8). Replay it below.
      </p>
      {error && (
        <Banner tone="error" title="Could not read the recordings." onRetry={onRetry}>
          {error}
        </Banner>
      )}
      {!view ? !error && <Loading what="the recordings" /> : view.active ? <Recording state={view.active} onStopped={onChange} /> : <StartForm view={view} onStarted={onChange} />}
    </section>
  );
}

function Recording({ state, onStopped }: { state: RecordingState; onStopped: () => void }) {
  const { client } = useWorkbench();
  const stop = useTask();
  const share = Math.min(1, state.bytes / state.maxBytes);
  return (
    <div data-testid="recording-active">
      <p>
        <span className="badge badge-running">recording</span> <code>{state.name}</code> on <code>{state.filter}</code>, started {formatRelative(state.startedAt)}
      </p>
      <dl className="figures">
        <Figure label="Messages" value={formatInt(state.messages)} testId="recording-messages" />
        <Figure label="Size" value={formatBytes(state.bytes)} hint={`of ${formatBytes(state.maxBytes)} at most`} testId="recording-bytes" />
        <Figure label="Dropped" value={formatInt(state.dropped)} tone={state.dropped > 0 ? 'alert' : undefined} hint={state.dropped > 0 ? 'the disk fell behind' : undefined} testId="recording-dropped" />
        <Figure label="Running for" value={formatDuration(Date.now() - state.startedAt)} />
      </dl>
      <div className="progress" role="progressbar" aria-label="Size cap used" aria-valuemin={0} aria-valuemax={state.maxBytes} aria-valuenow={state.bytes} aria-valuetext={`${formatBytes(state.bytes)} of ${formatBytes(state.maxBytes)}`}>
        <div className="progress-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      {stop.error && <InlineError>Not stopped: {stop.error}</InlineError>}
      <div className="button-row">
        <button type="button" className="button button-danger" disabled={stop.busy} onClick={() => void stop.run(() => client.stopRecording(), onStopped)}>
          {stop.busy ? 'Stopping…' : 'Stop recording'}
        </button>
      </div>
    </div>
  );
}

function StartForm({ view, onStarted }: { view: RecordingsView; onStarted: () => void }) {
  const { client } = useWorkbench();
  const [name, setName] = useState('');
  const [filter, setFilter] = useState('#');
  const start = useTask();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void start.run(() => client.startRecording({ ...(name.trim() !== '' && { name: name.trim() }), filter: filter.trim() || '#' }), onStarted);
  };
  const last = view.last;
  return (
    <form onSubmit={submit} noValidate data-testid="record-form">
      {last && (
        <p className="notice" role="status" data-testid="recording-last">
          Recording <code>{last.name}</code> {stopReasonText(last.stopReason ?? 'stopped', formatBytes(last.maxBytes))}: {formatInt(last.messages)} messages,{' '}
          {formatBytes(last.bytes)}
          {last.dropped > 0 && `, ${formatInt(last.dropped)} dropped (the disk fell behind)`}
          {last.error && ` (${last.error})`}.
        </p>
      )}
      <div className="field-grid">
        <label>
          Topic filter
          <input type="text" className="mono" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="#" spellCheck={false} autoComplete="off" />
        </label>
        <label>
          Name (optional)
          <input type="text" className="mono" value={name} onChange={(event) => setName(event.target.value)} placeholder="recording-<date>-<time>" spellCheck={false} autoComplete="off" />
        </label>
      </div>
      <p className="field-hint">
        <code>#</code> records every topic but the broker’s own <code>$SYS/…</code>; <code>meters/+/energy</code> only the meters. A recording stops by itself at{' '}
        {formatBytes(view.maxBytes)} (--record-max-bytes). Files go to <code className="wrap">{view.directory}</code>.
      </p>
      {start.error && <InlineError>Not started: {start.error}</InlineError>}
      <SubmitRow busy={start.busy} busyLabel="Starting…">
        Start recording
      </SubmitRow>
    </form>
  );
}
