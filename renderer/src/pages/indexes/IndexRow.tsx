import { useState } from 'react';
import type { IndexStatus, IndexVerifyReport } from '../../../../core/api/indexes.js';
import { InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatInt, formatRate, formatSpan } from '../../format.js';

/** One index: its definition, build progress (scanned of DBSIZE, rate, ETA), state, last verify and what can be done with it. */
export function IndexRow({ index, canWrite, onChanged }: { index: IndexStatus; canWrite: boolean; onChanged: () => void }) {
  const { client } = useWorkbench();
  const action = useTask();
  // A read-only connection cannot save a verify's report in Redis: this one is kept here.
  const [verified, setVerified] = useState<IndexVerifyReport | null>(null);
  const lastVerify = index.lastVerify && (!verified || index.lastVerify.at >= verified.at) ? index.lastVerify : verified;
  const { definition, state } = index;
  const share = state === 'ready' ? 1 : Math.min(1, index.scanned / Math.max(1, index.keysInDb));
  const run = (task: () => Promise<unknown>) => void action.run(task, onChanged);

  return (
    <li className="panel" data-testid="index-row" data-index={definition.name}>
      <h3>
        <code>{definition.name}</code> <span className={`badge badge-${state === 'ready' ? 'running' : state === 'failed' ? 'failed' : 'starting'}`} data-testid="index-state">{state}</span>
      </h3>
      <p className="small">
        {definition.kind === 'set' ? 'A set per value' : 'A zset by the number'} of <code>{definition.field}</code>
        {definition.transform === 'ipv4-24' && ' (its /24 network)'} over <code>{definition.match}</code>, in <code>{index.keyPattern}</code>
        {index.live ? ' — kept current by ingest' : ' — written by builds and repairs only'}.
      </p>
      <div
        className={`progress${state === 'building' ? ' progress-scanning' : ''}`}
        role="progressbar"
        aria-label={`Build of ${definition.name}`}
        aria-valuemin={0}
        aria-valuemax={Math.max(1, index.keysInDb)}
        aria-valuenow={index.scanned}
      >
        <div className="progress-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="small" data-testid="index-progress">
        {formatInt(index.scanned)} of {formatInt(index.keysInDb)} keys scanned · {formatInt(index.entries)} entries
        {state === 'building' && ` · ${formatRate(index.rate)} keys/s · ${index.etaSeconds === null ? 'ETA –' : `ETA ${formatSpan(index.etaSeconds)}`}`}
        {index.lastError && ` · last error: ${index.lastError}`}
      </p>
      {lastVerify && (
        <p className="small" data-testid="index-verify">
          Last {lastVerify.repaired ? 'repair' : 'verify'}: {formatInt(lastVerify.missing)} missing, {formatInt(lastVerify.stale)} stale of{' '}
          {formatInt(lastVerify.scanned)} keys scanned
          {lastVerify.missingSamples.length > 0 && ` (missing e.g. ${lastVerify.missingSamples.slice(0, 3).join(', ')})`}
          {lastVerify.staleSamples.length > 0 && ` (stale e.g. ${lastVerify.staleSamples.slice(0, 3).join(', ')})`}.
        </p>
      )}
      {action.error && <InlineError>{action.error}</InlineError>}
      <div className="button-row">
        {state === 'building' && (
          <button type="button" className="button" disabled={!canWrite || action.busy} onClick={() => run(() => client.pauseIndex(definition.name))}>
            Pause
          </button>
        )}
        {(state === 'paused' || state === 'failed') && (
          <button type="button" className="button" disabled={!canWrite || action.busy} onClick={() => run(() => client.resumeIndex(definition.name))}>
            Resume
          </button>
        )}
        <button type="button" className="button" disabled={action.busy} onClick={() => void action.run(() => client.verifyIndex(definition.name), (report) => {
            setVerified(report);
            onChanged();
          })}>
          {action.busy ? 'Working…' : 'Verify'}
        </button>
        <button type="button" className="button" disabled={!canWrite || action.busy} onClick={() => run(() => client.repairIndex(definition.name))}>
          Repair
        </button>
        <button type="button" className="button button-danger" disabled={!canWrite || action.busy} onClick={() => run(() => client.deleteIndex(definition.name))}>
          Delete
        </button>
      </div>
    </li>
  );
}
