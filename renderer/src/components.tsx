import type { ReactNode } from 'react';
import type { PartState } from '../../core/api/status.js';

/** A page's heading and one line saying what it shows. */
export function PageHeader({ title, children, actions }: { title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1 id="page-title">{title}</h1>
        {children && <p className="lede">{children}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

/** What to do when there is nothing to show yet. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" role="status" data-testid={testId ?? 'empty-state'}>
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/** A problem that needs the user's attention, with its reason and a way to retry. */
export function Banner({
  tone,
  title,
  children,
  onRetry,
  testId,
}: {
  tone: 'error' | 'warning';
  title: string;
  children?: ReactNode;
  onRetry?: () => void;
  testId?: string;
}) {
  return (
    <div className={`banner banner-${tone}`} role="alert" data-testid={testId}>
      <div className="banner-text">
        <strong>{title}</strong>
        {children && <span className="banner-reason">{children}</span>}
      </div>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function StateBadge({ state }: { state: PartState | 'running' | 'stopped' }) {
  return <span className={`badge badge-${state}`}>{state}</span>;
}

/** One headline figure: a label and its formatted value. */
export function Figure({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: 'alert' | 'good';
  testId?: string;
}) {
  return (
    <div className={`figure${tone ? ` figure-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      {hint && <dd className="figure-hint">{hint}</dd>}
    </div>
  );
}

/** A Redis command as you would type it into redis-cli. */
export function Command({ children, label }: { children: string; label?: string }) {
  return (
    <p className="command">
      {label && <span className="command-label">{label}</span>}
      <code>{children}</code>
    </p>
  );
}

/** Shown while the first answer is on its way. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function InlineError({ children }: { children: ReactNode }) {
  return (
    <p className="inline-error" role="alert">
      {children}
    </p>
  );
}

/** A form's primary submit button on its own row, saying what it is doing while the request runs. */
export function SubmitRow({ busy, busyLabel, disabled = false, children }: { busy: boolean; busyLabel: string; disabled?: boolean; children: ReactNode }) {
  return (
    <div className="button-row">
      <button type="submit" className="button button-primary" disabled={busy || disabled}>
        {busy ? busyLabel : children}
      </button>
    </div>
  );
}

/** A table's header row, one column heading per name. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** "Are you sure?" for a destructive action: the question, the action, and a way back. */
export function ConfirmPrompt({ question, confirmLabel, busy, onConfirm, onCancel }: { question: string; confirmLabel: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <p className="confirm" role="alert">
      {question}{' '}
      <span className="button-row">
        <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Keep it
        </button>
      </span>
    </p>
  );
}
