import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RecordingFile, ReplayKeyTarget, ReplayStart, ReplayStatus } from '../../../../core/api/replay.js';
import { MAX_REPLAY_SPEED, REPLAY_SKIP_REASONS, REPLAY_VIEW_ID } from '../../../../core/domain/replay.js';
import { Banner, Command, ConfirmPrompt, Figure, InlineError, Loading, TableHead, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBucketStart, formatClockMs, formatDateTime, formatInt, formatPercent, formatRate, fromIsoInput, toIsoInput } from '../../format.js';
import { REPLAY_STATE_TEXT, SKIP_REASON_TEXT, SPEED_CHOICES, isActive } from './record-replay.js';

/**
 * Replays a recording, an uploaded events export or a meter's archived range into the pipeline:
 * the source, the pace and where the readings go; then progress, the emulated time, pause, resume,
 * seek, speed and loop, and what was skipped.
 */
export function ReplayPanel({
  status,
  error,
  files,
  onStatus,
  onRetry,
}: {
  status: ReplayStatus | null;
  error: string | null;
  files: RecordingFile[];
  onStatus: (status: ReplayStatus) => void;
  onRetry: () => void;
}) {
  const titleId = useId();
  return (
    <section className="panel" aria-labelledby={titleId} data-testid="replay-panel">
      <h2 id={titleId}>Replay</h2>
      <p className="field-hint">
        Publishes a recording, an events export or a meter’s archived range (straight from S3, read only) to the bundled broker on the original topics, at 1×
        to {formatInt(MAX_REPLAY_SPEED)}× the original pace: ingest takes it as live traffic. By default the readings go under the replay key prefix, never
        into the live keys.
      </p>
      {error && (
        <Banner tone="error" title="Could not read the replay." onRetry={onRetry}>
          {error}
        </Banner>
      )}
      {!status ? (
        !error && <Loading what="the replay" />
      ) : (
        <>
          {status.state !== 'idle' && <ReplayView status={status} onStatus={onStatus} />}
          {!isActive(status.state) && <StartForm files={files} keyPrefix={status.keyPrefix} onStarted={onStatus} />}
          <ReplayKeys status={status} />
        </>
      )}
    </section>
  );
}

function ReplayView({ status, onStatus }: { status: ReplayStatus; onStatus: (status: ReplayStatus) => void }) {
  const { client } = useWorkbench();
  const control = useTask();
  const active = isActive(status.state);
  const running = status.state === 'playing' || status.state === 'paused';
  const send = (command: Parameters<typeof client.controlReplay>[0]) => void control.run(() => client.controlReplay(command), onStatus);
  const [speed, setSpeed] = useState(String(status.speed));
  useEffect(() => setSpeed(String(status.speed)), [status.speed]);
  const percent = Math.round(status.progress * 1000) / 10;

  return (
    <div data-testid="replay-status" data-state={status.state}>
      <p>
        <span className={`badge ${active ? 'badge-running' : status.state === 'failed' ? 'badge-failed' : ''}`} data-testid="replay-state">
          {REPLAY_STATE_TEXT[status.state]}
        </span>{' '}
        {status.sourceLabel} at {formatInt(status.speed)}×{status.loop && ', looping'},{' '}
        {status.keys === 'prefix' ? (
          <>
            under <code>{status.keyPrefix}</code>
          </>
        ) : (
          <strong>into the live keys</strong>
        )}
        {status.target && <span className="muted small"> — to {status.target}</span>}
      </p>
      {status.error && <InlineError>{status.error}</InlineError>}
      <div
        className={`progress${status.state === 'preparing' ? ' progress-scanning' : ''}`}
        role="progressbar"
        aria-label="Replay progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${formatPercent(status.progress)}${status.emulatedTime !== null ? `, at ${formatDateTime(status.emulatedTime)}` : ''}`}
        data-testid="replay-progress"
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <dl className="figures">
        <Figure
          label="Emulated time"
          value={status.emulatedTime === null ? '—' : <time dateTime={new Date(status.emulatedTime).toISOString()}>{formatDateTime(status.emulatedTime)}</time>}
          hint={status.emulatedTime === null ? undefined : formatClockMs(status.emulatedTime)}
          testId="replay-emulated-time"
        />
        <Figure label="Progress" value={formatPercent(status.progress)} hint={spanText(status)} testId="replay-percent" />
        <Figure
          label="Published"
          value={formatInt(status.published)}
          hint={`${formatInt(status.acknowledged)} acknowledged${status.total !== null ? ` · ${formatInt(status.total)} per pass` : ''}${status.loops > 0 ? ` · ${formatInt(status.loops)} loops` : ''}`}
          testId="replay-published"
        />
        <Figure label="Rate" value={`${formatRate(status.ratePerSecond)}/s`} />
        <Figure label="Skipped lines" value={formatInt(status.skipped.total)} tone={status.skipped.total > 0 ? 'alert' : undefined} testId="replay-skipped" />
      </dl>
      {running && (
        <>
          <label className="seek">
            Seek
            <input
              type="range"
              min={0}
              max={1000}
              value={Math.round(status.progress * 1000)}
              onChange={(event) => send({ action: 'seek', fraction: Number(event.target.value) / 1000 })}
              aria-label="Seek to a point of the replay"
            />
          </label>
          <div className="button-row">
            {status.state === 'playing' ? (
              <button type="button" className="button" disabled={control.busy} onClick={() => send({ action: 'pause' })}>
                Pause
              </button>
            ) : (
              <button type="button" className="button button-primary" disabled={control.busy} onClick={() => send({ action: 'resume' })}>
                Resume
              </button>
            )}
            <button type="button" className="button button-danger" disabled={control.busy} onClick={() => send({ action: 'stop' })}>
              Stop
            </button>
            <label className="inline-field">
              Speed ×
              <input
                type="number"
                min={1}
                max={MAX_REPLAY_SPEED}
                value={speed}
                onChange={(event) => setSpeed(event.target.value)}
                onBlur={() => Number(speed) !== status.speed && send({ action: 'configure', speed: Number(speed) })}
                onKeyDown={(event) => event.key === 'Enter' && send({ action: 'configure', speed: Number(speed) })}
                aria-label="Replay speed"
              />
            </label>
            <label className="check">
              <input type="checkbox" checked={status.loop} onChange={(event) => send({ action: 'configure', loop: event.target.checked })} />
              Loop
            </label>
          </div>
        </>
      )}
      {status.state === 'preparing' && (
        <div className="button-row">
          <button type="button" className="button button-danger" disabled={control.busy} onClick={() => send({ action: 'stop' })}>
            Stop
          </button>
        </div>
      )}
      {control.error && <InlineError>{control.error}</InlineError>}
      <Skipped status={status} />
      {status.badBuckets.length > 0 && (
        <div className="notice" role="status" data-testid="replay-bad-buckets">
          <p>
            {formatInt(status.badBuckets.length)} archived bucket{status.badBuckets.length === 1 ? '' : 's'} could not be read and {status.badBuckets.length === 1 ? 'was' : 'were'} left
            out; the rest of the range was replayed:
          </p>
          <ul className="notice-list">
            {status.badBuckets.map((bucket) => (
              <li key={bucket.bucketStart}>
                {formatBucketStart(bucket.bucketStart)} (<code className="wrap">{bucket.objectKey}</code>): {bucket.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function spanText(status: ReplayStatus): string | undefined {
  if (status.startTime === null || status.endTime === null) return undefined;
  return `${formatDateTime(status.startTime)} … ${formatDateTime(status.endTime)}`;
}

function Skipped({ status }: { status: ReplayStatus }) {
  const { skipped } = status;
  if (skipped.total === 0) return null;
  const reasons = REPLAY_SKIP_REASONS.filter((reason) => skipped.byReason[reason] > 0)
    .map((reason) => `${formatInt(skipped.byReason[reason])} ${SKIP_REASON_TEXT[reason]}`)
    .join(', ');
  return (
    <div className="notice" data-testid="replay-skipped-lines">
      <p>
        {formatInt(skipped.total)} line{skipped.total === 1 ? '' : 's'} of the file skipped ({reasons}); the rest replays.
        {skipped.total > skipped.lines.length && ` The first ${formatInt(skipped.lines.length)}:`}
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Skipped lines">
          <TableHead columns={['Line', 'Why', 'Detail']} />
          <tbody>
            {skipped.lines.map((line) => (
              <tr key={line.line}>
                <td className="num">{formatInt(line.line)}</td>
                <td>{SKIP_REASON_TEXT[line.reason]}</td>
                <td>
                  <code className="wrap">{line.detail}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type SourceChoice = { kind: 'file'; name: string } | { kind: 'archive' };

function StartForm({ files, keyPrefix, onStarted }: { files: RecordingFile[]; keyPrefix: string; onStarted: (status: ReplayStatus) => void }) {
  const { client } = useWorkbench();
  const [choice, setChoice] = useState<string>('');
  const [meter, setMeter] = useState('');
  const [from, setFrom] = useState(() => toIsoInput(Date.now() - 7 * 86_400_000));
  const [to, setTo] = useState(() => toIsoInput(Date.now()));
  const [speed, setSpeed] = useState('100');
  const [loop, setLoop] = useState(false);
  const [keys, setKeys] = useState<ReplayKeyTarget>('prefix');
  const start = useTask();
  const selected: SourceChoice | null = choice === 'archive' ? { kind: 'archive' } : choice !== '' ? { kind: 'file', name: choice } : files[0] ? { kind: 'file', name: files[0].name } : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const request = requestOf(selected, { meter, from, to, speed, loop, keys });
    if (typeof request === 'string') start.setError(request);
    else void start.run(() => client.startReplay(request), onStarted);
  };

  return (
    <form onSubmit={submit} noValidate data-testid="replay-form">
      <div className="field-grid">
        <label>
          Source
          <select value={selected?.kind === 'archive' ? 'archive' : (selected?.name ?? '')} onChange={(event) => setChoice(event.target.value)} aria-label="Replay source">
            {files.length === 0 && <option value="">(no recording yet)</option>}
            {files.map((file) => (
              <option key={file.name} value={file.name}>
                {file.name}
                {file.messages !== null ? ` — ${formatInt(file.messages)} messages` : ''}
              </option>
            ))}
            <option value="archive">A meter’s archived range (S3)</option>
          </select>
        </label>
        <label>
          Speed (× the original pace)
          <input type="number" min={1} max={MAX_REPLAY_SPEED} value={speed} onChange={(event) => setSpeed(event.target.value)} list="replay-speeds" />
          <datalist id="replay-speeds">
            {SPEED_CHOICES.map((choice) => (
              <option key={choice} value={choice} />
            ))}
          </datalist>
        </label>
      </div>
      {selected?.kind === 'archive' && (
        <div className="field-grid">
          <label>
            Meter id
            <input type="text" className="mono" value={meter} onChange={(event) => setMeter(event.target.value)} placeholder="D704206000001" spellCheck={false} />
          </label>
          <label>
            From
            <input type="text" className="mono" value={from} onChange={(event) => setFrom(event.target.value)} placeholder="YYYY-MM-DD HH:MM" />
          </label>
          <label>
            To
            <input type="text" className="mono" value={to} onChange={(event) => setTo(event.target.value)} placeholder="YYYY-MM-DD HH:MM" />
          </label>
        </div>
      )}
      <fieldset className="choices">
        <legend>Replayed readings go</legend>
        <label className="check">
          <input type="radio" name="replay-keys" checked={keys === 'prefix'} onChange={() => setKeys('prefix')} />
          under the replay key prefix <code>{keyPrefix}</code> (kept apart from live data)
        </label>
        <label className="check">
          <input type="radio" name="replay-keys" checked={keys === 'live'} onChange={() => setKeys('live')} disabled={selected?.kind === 'archive'} />
          into the live keys, mixed with live data {selected?.kind === 'archive' && <span className="muted small">(not for an archived range)</span>}
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={loop} onChange={(event) => setLoop(event.target.checked)} />
        Loop until stopped
      </label>
      {start.error && <InlineError>Not started: {start.error}</InlineError>}
      <SubmitRow busy={start.busy} busyLabel="Starting…" disabled={selected === null}>
        Start replay
      </SubmitRow>
    </form>
  );
}

/** The request the form describes, or what is wrong with it. */
function requestOf(
  source: SourceChoice | null,
  { meter, from, to, speed, loop, keys }: { meter: string; from: string; to: string; speed: string; loop: boolean; keys: ReplayKeyTarget },
): ReplayStart | string {
  const pace = Number(speed);
  if (!Number.isFinite(pace) || pace < 1 || pace > MAX_REPLAY_SPEED) return `the speed must be 1 to ${formatInt(MAX_REPLAY_SPEED)}`;
  if (source === null) return 'record something first, or upload a file';
  if (source.kind === 'file') return { source, speed: pace, loop, keys };
  const fromMs = fromIsoInput(from);
  const toMs = fromIsoInput(to);
  if (meter.trim() === '') return 'which meter? Its id, e.g. D704206000001';
  if (fromMs === null || toMs === null) return 'from and to are dates such as 2026-11-02 14:05';
  return { source: { kind: 'archive', deviceId: meter.trim(), from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) }, speed: pace, loop, keys: 'prefix' };
}

/** Where the replay's readings are and how to see them: every page through the replay connection, redis-cli, or clear them. */
function ReplayKeys({ status }: { status: ReplayStatus }) {
  const { client, activateConnection } = useWorkbench();
  const show = useTask();
  const clear = useTask();
  const [confirming, setConfirming] = useState(false);
  const [cleared, setCleared] = useState<number | null>(null);
  const prefix = status.keyPrefix;
  return (
    <div className="replay-keys" data-testid="replay-keys">
      <p className="field-hint">
        Readings replayed under <code>{prefix}</code> are the data model with that prefix in front: <code>{prefix}SensorData</code>, <code>{prefix}climate:hot</code>,
        a device hash <code>{prefix}42</code>, meters under <code>{prefix}backend:dev:…</code>. The dashboards show them when the pages read the replay keys:
      </p>
      <div className="button-row">
        <button type="button" className="button" disabled={show.busy} onClick={() => void show.run(() => activateConnection(REPLAY_VIEW_ID), () => undefined)}>
          Show the replay keys on every page
        </button>
        <button type="button" className="button button-quiet" disabled={clear.busy || confirming || isActive(status.state)} onClick={() => setConfirming(true)}>
          Clear the replay keys
        </button>
      </div>
      <Command label="redis-cli">{`redis-cli --scan --pattern '${prefix}*'`}</Command>
      {confirming && (
        <ConfirmPrompt
          question={`Delete every key starting with ${prefix}? Live keys are not touched.`}
          confirmLabel="Delete them"
          busy={clear.busy}
          onConfirm={() =>
            void clear.run(
              () => client.clearReplayKeys(),
              (answer) => {
                setConfirming(false);
                setCleared(answer.deleted);
              },
            )
          }
          onCancel={() => setConfirming(false)}
        />
      )}
      {cleared !== null && (
        <p className="muted small" role="status">
          {formatInt(cleared)} replay keys deleted.
        </p>
      )}
      {show.error && <InlineError>Could not switch: {show.error}</InlineError>}
      {clear.error && <InlineError>Not cleared: {clear.error}</InlineError>}
    </div>
  );
}
