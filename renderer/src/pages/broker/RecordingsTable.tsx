import { useId, useRef, useState, type ChangeEvent } from 'react';
import type { RecordingFile, RecordingsView, ReplayStatus } from '../../../../core/api/replay.js';
import { ConfirmPrompt, EmptyState, InlineError, TableHead } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBytes, formatDateTime, formatDuration, formatInt } from '../../format.js';
import { isActive, nameFromFile } from './record-replay.js';

const COLUMNS = ['Name', 'Size', 'Messages', 'Time span', 'Made', ''] as const;

/** The recordings folder: every file with its size, messages and time span; replay, download, delete, upload. */
export function RecordingsTable({
  view,
  replaying,
  onChange,
  onStatus,
}: {
  view: RecordingsView | null;
  replaying: ReplayStatus | null;
  onChange: () => void;
  onStatus: (status: ReplayStatus) => void;
}) {
  const titleId = useId();
  const replayBusy = replaying !== null && isActive(replaying.state);
  return (
    <section className="panel" aria-labelledby={titleId} data-testid="recordings">
      <h2 id={titleId}>Recordings{view && ` (${formatInt(view.files.length)})`}</h2>
      {view &&
        (view.files.length === 0 ? (
          <EmptyState title="No recording yet." testId="recordings-empty">
            Start one above, or upload a recording or an events export (NDJSON from the Events page’s export).
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Recordings">
              <TableHead columns={COLUMNS} />
              <tbody>
                {view.files.map((file) => (
                  <RecordingRow key={file.name} file={file} replayBusy={replayBusy} onChange={onChange} onStatus={onStatus} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <UploadForm onUploaded={onChange} />
    </section>
  );
}

function RecordingRow({ file, replayBusy, onChange, onStatus }: { file: RecordingFile; replayBusy: boolean; onChange: () => void; onStatus: (status: ReplayStatus) => void }) {
  const { client } = useWorkbench();
  const [confirming, setConfirming] = useState(false);
  const remove = useTask();
  const replay = useTask();
  const inUse = file.recording || file.replaying;
  return (
    <>
      <tr data-testid="recording-row">
        <th scope="row">
          <code className="wrap">{file.name}</code>
          {file.recording && <span className="badge badge-running">recording</span>}
          {file.replaying && <span className="badge badge-running">replaying</span>}
        </th>
        <td className="num">{formatBytes(file.bytes)}</td>
        <td className="num" title={file.dropped ? `${formatInt(file.dropped)} dropped while recording` : undefined}>
          {file.messages === null ? '—' : formatInt(file.messages)}
        </td>
        <td>
          {file.firstAt === null || file.lastAt === null ? (
            '—'
          ) : (
            <span title={`${formatDateTime(file.firstAt)} … ${formatDateTime(file.lastAt)}`}>
              {formatDateTime(file.firstAt)} <span className="muted small">({formatDuration(file.lastAt - file.firstAt)})</span>
            </span>
          )}
        </td>
        <td>
          {file.origin === 'recording' ? `recorded${file.filter ? ` (${file.filter})` : ''}` : file.origin === 'import' ? 'uploaded' : 'put in the folder'}
          <span className="muted small"> {formatDateTime(file.modifiedAt)}</span>
        </td>
        <td className="actions">
          <span className="button-row">
            <button
              type="button"
              className="button button-primary"
              disabled={replayBusy || file.recording || replay.busy}
              title={replayBusy ? 'A replay is running: stop it first' : undefined}
              aria-label={`Replay ${file.name}`}
              onClick={() => void replay.run(() => client.startReplay({ source: { kind: 'file', name: file.name }, speed: 100 }), onStatus)}
            >
              Replay at 100×
            </button>
            <a className="button" href={client.recordingDownloadUrl(file.name)} download={`${file.name}.ndjson`} aria-label={`Download ${file.name}`}>
              Download
            </a>
            <button type="button" className="button button-quiet" disabled={inUse || confirming} onClick={() => setConfirming(true)} aria-label={`Delete ${file.name}`}>
              Delete
            </button>
          </span>
        </td>
      </tr>
      {(confirming || remove.error || replay.error) && (
        <tr className="row-detail">
          <td colSpan={COLUMNS.length}>
            {confirming && (
              <ConfirmPrompt
                question={`Delete ${file.name} (${formatBytes(file.bytes)})? The file is gone for good.`}
                confirmLabel="Delete"
                busy={remove.busy}
                onConfirm={() =>
                  void remove.run(
                    () => client.deleteRecording(file.name),
                    () => {
                      setConfirming(false);
                      onChange();
                    },
                  )
                }
                onCancel={() => setConfirming(false)}
              />
            )}
            {remove.error && <InlineError>Not deleted: {remove.error}</InlineError>}
            {replay.error && <InlineError>Not replayed: {replay.error}</InlineError>}
          </td>
        </tr>
      )}
    </>
  );
}

/** Uploads a recording made elsewhere or an events export, under a name taken from its file name. */
function UploadForm({ onUploaded }: { onUploaded: () => void }) {
  const { client } = useWorkbench();
  const input = useRef<HTMLInputElement>(null);
  const upload = useTask();
  const [done, setDone] = useState<RecordingFile | null>(null);
  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setDone(null);
    const name = nameFromFile(file.name);
    if (name === null) {
      upload.setError(`${file.name} does not make a recording name (letters, digits, "_", "." or "-")`);
      return;
    }
    void upload.run(
      () => client.importRecording(name, file),
      (entry) => {
        setDone(entry);
        if (input.current) input.current.value = '';
        onUploaded();
      },
    );
  };
  return (
    <div className="upload">
      <label>
        Upload a recording or an events export
        <input ref={input} type="file" accept=".ndjson,.json,.jsonl,application/x-ndjson" onChange={choose} disabled={upload.busy} data-testid="recording-upload" />
      </label>
      <p className="field-hint">
        NDJSON: a recording made here or by another workbench, or the Events export (<code>GET /api/export/events?format=ndjson</code>), which replays as the
        thermostats’ readings. At most the recording size cap.
      </p>
      {upload.busy && <p className="muted small">Uploading…</p>}
      {upload.error && <InlineError>Not uploaded: {upload.error}</InlineError>}
      {done && (
        <p className="muted small" role="status">
          Uploaded {done.name}: {formatInt(done.messages)} messages to replay, {formatBytes(done.bytes)}.
        </p>
      )}
    </div>
  );
}
