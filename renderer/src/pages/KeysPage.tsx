import { useState, type FormEvent } from 'react';
import type { KeySummary } from '../../../core/api/keys.js';
import type { KeyType } from '../../../core/domain/key-type.js';
import { Command, EmptyState, InlineError, PageHeader } from '../components.js';
import { useTask, useWorkbench } from '../context.js';
import { formatInt } from '../format.js';
import { ExportControl } from './export/ExportControl.js';
import { KeyDetailPanel } from './keys/KeyDetailPanel.js';
import { KeyTree } from './keys/KeyTree.js';

const KEY_TYPES: readonly KeyType[] = ['string', 'hash', 'zset', 'list', 'set', 'stream'];

/** What the scans so far have found: the walk's parameters, its cursor and the keys, deduplicated. */
interface Walk {
  match: string;
  type: KeyType | undefined;
  keys: KeySummary[];
  cursor: string;
  examined: number;
  totalKeys: number;
  command: string;
}

/** Browse the keyspace with SCAN: a MATCH pattern and TYPE filter, the keys as a tree on ':', one key's value a page at a time. */
export function KeysPage() {
  const { client } = useWorkbench();
  const [match, setMatch] = useState('*');
  const [type, setType] = useState<KeyType | ''>('');
  const [walk, setWalk] = useState<Walk | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const { busy, error, run } = useTask();

  // The whole walk of the scan shown; before any, of the scan the form would run.
  const exportQuery = walk ? { match: walk.match, type: walk.type } : { match: scanPattern(match), type: type === '' ? undefined : type };

  const scan = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const pattern = scanPattern(match);
    const filter = type === '' ? undefined : type;
    void run(
      () => client.keys({ cursor: '0', match: pattern, ...(filter && { type: filter }) }),
      (page) =>
        setWalk({
          match: pattern,
          type: filter,
          keys: unique([], page.keys),
          cursor: page.cursor,
          examined: page.examined,
          totalKeys: page.totalKeys,
          command: page.command,
        }),
    );
  };

  const scanMore = () => {
    if (!walk || walk.cursor === '0') return;
    const from = walk;
    void run(
      () => client.keys({ cursor: from.cursor, match: from.match, ...(from.type && { type: from.type }) }),
      (page) =>
        setWalk({
          ...from,
          keys: unique(from.keys, page.keys),
          cursor: page.cursor,
          examined: from.examined + page.examined,
          totalKeys: page.totalKeys,
          command: page.command,
        }),
    );
  };

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Keys">
        Walk the keyspace with SCAN, filtered by a MATCH pattern and a type. Keys are grouped into folders on “:”; pick one to see its TTL,
        memory and value, a page at a time.
      </PageHeader>
      <form className="form-row" onSubmit={scan} aria-label="Key scan" noValidate>
        <label>
          Match
          <input type="text" value={match} onChange={(e) => setMatch(e.target.value)} spellCheck={false} placeholder="sensor:*" />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value as KeyType | '')}>
            <option value="">any</option>
            {KEY_TYPES.map((one) => (
              <option key={one} value={one}>
                {one}
              </option>
            ))}
          </select>
        </label>
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy}>
            Scan
          </button>
          <button type="button" className="button" onClick={scanMore} disabled={busy || !walk || walk.cursor === '0'}>
            Scan more
          </button>
        </div>
      </form>
      {error && <InlineError>Could not scan the keys: {error}</InlineError>}
      {walk && (
        <>
          <p className="muted small" data-testid="scan-summary" role="status">
            {formatInt(walk.keys.length)} keys found, {formatInt(walk.examined)} examined, of {formatInt(walk.totalKeys)} total
            {walk.cursor === '0' ? ' — the walk is complete.' : ' — Scan more continues the walk.'}
          </p>
          <Command label="Last step">{walk.command}</Command>
        </>
      )}
      <div className="split">
        <div className="panel" role="region" aria-labelledby="keys-found-title">
          <div className="panel-title-row">
            <h2 id="keys-found-title">Keys found</h2>
            <ExportControl view="keys" query={exportQuery} what="every key the scan finds" />
          </div>
          {!walk ? (
            <EmptyState title="No scan yet." testId="keys-empty">
              Press Scan to list keys matching the pattern; <code>*</code> matches all.
            </EmptyState>
          ) : walk.keys.length === 0 ? (
            <EmptyState title={`No keys matching ${walk.match}${walk.type ? ` of type ${walk.type}` : ''} found${walk.cursor === '0' ? '.' : ' yet.'}`} testId="keys-none">
              {walk.cursor === '0' ? 'The whole keyspace was walked.' : 'Only part of the keyspace was looked at; Scan more continues.'}
            </EmptyState>
          ) : (
            <KeyTree keys={walk.keys} selected={selected} onSelect={setSelected} />
          )}
        </div>
        {selected === null ? (
          <div className="panel">
            <EmptyState title="No key selected." testId="key-none-selected">
              Pick a key in the tree to see its type, TTL, memory and value.
            </EmptyState>
          </div>
        ) : (
          <KeyDetailPanel key={selected} keyName={selected} />
        )}
      </div>
    </section>
  );
}

function scanPattern(match: string): string {
  return match.trim() === '' ? '*' : match;
}

/** `before` plus the keys of `more` not already in it (SCAN may return a key more than once). */
function unique(before: KeySummary[], more: KeySummary[]): KeySummary[] {
  const seen = new Set(before.map((summary) => summary.key));
  const added = more.filter((summary) => {
    if (seen.has(summary.key)) return false;
    seen.add(summary.key);
    return true;
  });
  return added.length === 0 && before.length > 0 ? before : [...before, ...added];
}
