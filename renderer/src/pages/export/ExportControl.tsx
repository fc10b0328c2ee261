import { useEffect, useId, useRef, useState } from 'react';
import { EXPORT_FORMATS, exportFilename, type ExportFormat, type ExportRequestOf, type ExportView } from '../../../../core/api/export.js';
import { InlineError } from '../../components.js';
import { useMounted, useWorkbench } from '../../context.js';
import { formatBytes, formatInt } from '../../format.js';
import { chooseSaveTarget } from './save-target.js';
import { streamExport, type ExportProgress } from './stream-export.js';

/** An export that ends sooner shows no bar: it would only flash. */
export const PROGRESS_AFTER_MS = 1000;

const FORMAT_LABELS: Record<ExportFormat, string> = { csv: 'CSV', ndjson: 'NDJSON', json: 'JSON' };

/** What a page passes: the query of what it shows; the control adds the format. */
export type ExportQuery<V extends ExportView> = Omit<ExportRequestOf<V>, 'format'>;

type Job =
  | { phase: 'running'; progress: ExportProgress | null; barShown: boolean }
  | { phase: 'saved'; filename: string; progress: ExportProgress; kind: 'file' | 'download' }
  | { phase: 'cancelled' }
  | { phase: 'failed'; message: string };

/**
 * A format choice and an Export button for one view, with the query the page shows now (null:
 * nothing to export yet, the button is off). Streams the file to where the user saves it, with a
 * progress bar and Cancel once it runs longer than a second; leaving the page cancels it too.
 */
export function ExportControl<V extends ExportView>({ view, query, what }: { view: V; query: ExportQuery<V> | null; what: string }) {
  const { client } = useWorkbench();
  const mounted = useMounted();
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [job, setJob] = useState<Job | null>(null);
  const abort = useRef<AbortController | null>(null);
  const formatId = useId();

  useEffect(() => () => abort.current?.abort(), []);

  const start = async () => {
    if (query === null) return;
    const request = { ...query, format } as ExportRequestOf<V>;
    const target = await chooseSaveTarget(exportFilename(view, request as { format: ExportFormat }), format);
    if (target === null || !mounted.current) return;
    const controller = new AbortController();
    abort.current = controller;
    setJob({ phase: 'running', progress: null, barShown: false });
    const showBar = setTimeout(() => setJob((now) => (now?.phase === 'running' ? { ...now, barShown: true } : now)), PROGRESS_AFTER_MS);
    const update = (next: Job) => mounted.current && abort.current === controller && setJob(next);
    try {
      const response = await client.exportFile(view, request, controller.signal);
      const progress = await streamExport(response, format, target, (now) =>
        setJob((job) => (job?.phase === 'running' && abort.current === controller ? { ...job, progress: now } : job)),
      );
      update({ phase: 'saved', filename: response.filename, progress, kind: target.kind });
    } catch (failure) {
      // Whatever was written goes: a file that stops halfway would pass for a whole one.
      await target.abort().catch(() => undefined);
      update(controller.signal.aborted ? { phase: 'cancelled' } : { phase: 'failed', message: (failure as Error).message || 'no answer' });
    } finally {
      clearTimeout(showBar);
      if (abort.current === controller) abort.current = null;
    }
  };

  const running = job?.phase === 'running';
  return (
    <div className="export-control" role="group" aria-label={`Export ${what}`} data-testid={`export-${view}`}>
      <div className="export-row">
        <label htmlFor={formatId} className="export-format">
          Format
        </label>
        <select id={formatId} value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)} disabled={running}>
          {EXPORT_FORMATS.map((one) => (
            <option key={one} value={one}>
              {FORMAT_LABELS[one]}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => void start()} disabled={running || query === null} title={`Export ${what} as a file`}>
          {running ? 'Exporting…' : 'Export'}
        </button>
      </div>
      {job && <JobState job={job} onCancel={() => abort.current?.abort()} />}
    </div>
  );
}

function JobState({ job, onCancel }: { job: Job; onCancel: () => void }) {
  if (job.phase === 'running') return job.barShown ? <ProgressBar progress={job.progress} onCancel={onCancel} /> : null;
  if (job.phase === 'cancelled') return <p className="muted small" role="status">Export cancelled; nothing was saved.</p>;
  if (job.phase === 'failed') return <InlineError>Export failed: {job.message}</InlineError>;
  return (
    <p className="small" role="status" data-testid="export-saved">
      {job.kind === 'file' ? 'Saved' : 'Downloaded'} <code>{job.filename}</code>: {formatInt(job.progress.rows)} {job.progress.rows === 1 ? 'row' : 'rows'},{' '}
      {formatBytes(job.progress.bytes)}.
    </p>
  );
}

/** Rows of the announced total where the server knew it, otherwise rows and bytes so far under a moving bar. */
function ProgressBar({ progress, onCancel }: { progress: ExportProgress | null; onCancel: () => void }) {
  const total = progress?.total ?? null;
  const rows = progress?.rows ?? 0;
  const share = total === null ? null : total === 0 ? 1 : Math.min(1, rows / total);
  const text =
    progress === null
      ? 'Waiting for the first rows…'
      : `${formatInt(rows)}${total === null ? '' : ` of ${formatInt(total)}`} rows · ${formatBytes(progress.bytes)}${total === null ? ' so far' : ''}`;
  return (
    <div className="export-progress" data-testid="export-progress">
      <div
        className={`progress${share === null ? ' progress-scanning' : ''}`}
        role="progressbar"
        aria-label="Export progress"
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total === null ? undefined : rows}
        aria-valuetext={text}
      >
        <div className="progress-fill" style={{ width: `${Math.round((share ?? 1) * 100)}%` }} />
      </div>
      <p className="small export-progress-row">
        <span>{text}</span>
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </div>
  );
}
