import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { KeyDetail } from '../../../../core/api/keys.js';
import { Command, EmptyState, Figure, InlineError, Loading } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatBytes, formatElapsed, formatInt } from '../../format.js';
import { appendPage, LOAD_ALL_MAX_ELEMENTS, LOAD_ALL_MAX_STRING_BYTES, LOAD_ALL_PAGE, shownCount, type Paged } from './value-pages.js';


const LENGTH_UNIT: Record<Paged['type'], [one: string, many: string]> = {
  string: ['byte', 'bytes'],
  hash: ['field', 'fields'],
  zset: ['member', 'members'],
  list: ['element', 'elements'],
  set: ['member', 'members'],
  stream: ['entry', 'entries'],
};

/** One key: type, TTL, memory, the command that read it, and its value a page at a time. Remount (key=) for another key. */
export function KeyDetailPanel({ keyName }: { keyName: string }) {
  const { client } = useWorkbench();
  const { busy, error, run } = useTask();
  const [detail, setDetail] = useState<KeyDetail | null>(null);
  /** The offset the page on screen was read from; undefined for the first. */
  const [offset, setOffset] = useState<string | undefined>(undefined);
  /** A string's text read so far, across "Load more". */
  const [text, setText] = useState('');

  /** While "Load all" runs: how many elements are on screen so far. */
  const [loadingAll, setLoadingAll] = useState<number | null>(null);

  const load = useCallback(
    (from: string | undefined, append: boolean, limit?: number) =>
      run(
        () => client.keyDetail(keyName, { ...(from !== undefined && { offset: from }), ...(limit !== undefined && { limit }) }),
        (answer) => {
          setDetail(answer);
          setOffset(from);
          if (answer.type === 'string') setText((before) => (append ? before + answer.value : answer.value));
        },
      ),
    [client, keyName, run],
  );

  useEffect(() => {
    void load(undefined, false);
  }, [load]);

  /** The rest of a string in one request; a collection's pages appended up to LOAD_ALL_MAX_ELEMENTS. */
  const loadAll = (shown: Paged) => {
    if (shown.next === null) return;
    if (shown.type === 'string') {
      void load(shown.next, true, Math.min(shown.length - Number(shown.next), LOAD_ALL_MAX_STRING_BYTES));
      return;
    }
    setLoadingAll(shownCount(shown));
    void run(
      async () => {
        let all: Paged = shown;
        while (all.next !== null && shownCount(all) < LOAD_ALL_MAX_ELEMENTS) {
          const page = await client.keyDetail(keyName, { offset: all.next, limit: LOAD_ALL_PAGE });
          if (page.type !== all.type) return page;
          all = appendPage(all, page as Paged);
          setLoadingAll(shownCount(all));
        }
        return all;
      },
      (answer) => setDetail(answer),
    ).finally(() => setLoadingAll(null));
  };

  return (
    <div className="panel" role="region" aria-labelledby="key-detail-title" data-testid="key-detail">
      <div className="panel-title-row">
        <h2 id="key-detail-title" className="key-title">
          <code>{keyName}</code>
        </h2>
        <button type="button" className="button button-quiet" onClick={() => void load(undefined, false)} disabled={busy} aria-label="Reload key">
          Reload
        </button>
      </div>
      {error && (
        <InlineError>
          Could not read the key: {error}{' '}
          <button type="button" className="link-button" onClick={() => void load(offset, false)}>
            Try again
          </button>
        </InlineError>
      )}
      {!detail ? (
        !error && <Loading what="the key" />
      ) : detail.type === 'none' ? (
        <EmptyState title="This key does not exist (any more)." testId="key-missing">
          <p>
            <code>{detail.key}</code> was not found: it may have expired or been deleted since the scan. Scan again to refresh the list.
          </p>
        </EmptyState>
      ) : (
        <>
          <dl className="figures">
            <Figure label="Type" value={detail.type === 'other' ? detail.redisType : detail.type} testId="key-type" />
            <Figure label="TTL" value={detail.ttlMs === null ? 'no expiry' : formatElapsed(detail.ttlMs)} hint="PTTL" testId="key-ttl" />
            <Figure label="Memory" value={detail.memoryBytes === null ? 'not available' : formatBytes(detail.memoryBytes)} hint="MEMORY USAGE" testId="key-memory" />
            {detail.type !== 'other' && (
              <Figure label="Length" value={`${formatInt(detail.length)} ${LENGTH_UNIT[detail.type][detail.length === 1 ? 0 : 1]}`} testId="key-length" />
            )}
          </dl>
          {detail.type === 'other' ? (
            <p className="notice" data-testid="key-other">
              Redis type <code>{detail.redisType}</code> (a module type, or one newer than this browser) cannot be paged here; TTL and memory only.
            </p>
          ) : (
            <>
              <Command label="Read with">{detail.command}</Command>
              <ValuePage detail={detail} text={text} />
              <div className="button-row">
                {detail.next !== null && (
                  <button type="button" className="button" onClick={() => loadAll(detail)} disabled={busy} title={loadAllHint(detail)}>
                    Load all
                  </button>
                )}
                {detail.type === 'string' ? (
                  detail.next !== null && (
                    <button type="button" className="button" onClick={() => void load(detail.next ?? undefined, true)} disabled={busy}>
                      Load more
                    </button>
                  )
                ) : (
                  <>
                    {offset !== undefined && (
                      <button type="button" className="button button-quiet" onClick={() => void load(undefined, false)} disabled={busy}>
                        First page
                      </button>
                    )}
                    {detail.next !== null && (
                      <button type="button" className="button" onClick={() => void load(detail.next ?? undefined, false)} disabled={busy}>
                        Next page
                      </button>
                    )}
                  </>
                )}
                {busy && (
                  <span className="muted small" role="status">
                    {loadingAll === null ? 'Loading…' : `Loading all… ${formatInt(loadingAll)} of ${formatInt(detail.length)}`}
                  </span>
                )}
              </div>
            </>
          )}
        </>
      )}
    </div>
  );
}

function loadAllHint(detail: Paged): string {
  if (detail.type === 'string') return `Reads the rest of the value (up to ${formatBytes(LOAD_ALL_MAX_STRING_BYTES)}) in one request`;
  return `Appends pages of ${formatInt(LOAD_ALL_PAGE)} until the end or ${formatInt(LOAD_ALL_MAX_ELEMENTS)} are shown`;
}

function ValuePage({ detail, text }: { detail: Paged; text: string }) {
  switch (detail.type) {
    case 'string':
      return (
        <>
          <pre className="key-value" data-testid="string-value" tabIndex={0} aria-label="Value">
            {text}
          </pre>
          {(detail.next !== null || detail.truncated) && (
            <p className="muted small" data-testid="string-truncated">
              Truncated: the value is {formatInt(detail.length)} bytes long and only part of it is shown.
            </p>
          )}
        </>
      );
    case 'hash':
      return (
        <PageTable caption="Hash fields" headers={['Field', 'Value']} empty={detail.fields.length === 0} note="HSCAN pages may repeat a field.">
          {detail.fields.map((pair, index) => (
            <tr key={index}>
              <th scope="row">
                <code>{pair.field}</code>
              </th>
              <td className="value-cell">{pair.value}</td>
            </tr>
          ))}
        </PageTable>
      );
    case 'zset':
      return (
        <PageTable caption="Sorted set members" headers={['Rank', 'Member', 'Score']} numeric={[0, 2]} empty={detail.members.length === 0}>
          {detail.members.map((entry, index) => (
            <tr key={index}>
              <td className="num">{formatInt(detail.offset + index)}</td>
              <th scope="row">
                <code>{entry.member}</code>
              </th>
              <td className="num">{entry.score}</td>
            </tr>
          ))}
        </PageTable>
      );
    case 'list':
      return (
        <PageTable caption="List elements" headers={['Index', 'Element']} numeric={[0]} empty={detail.elements.length === 0}>
          {detail.elements.map((element, index) => (
            <tr key={index}>
              <th scope="row" className="num">
                {formatInt(detail.offset + index)}
              </th>
              <td className="value-cell">{element}</td>
            </tr>
          ))}
        </PageTable>
      );
    case 'set':
      return (
        <PageTable caption="Set members" headers={['Member']} empty={detail.members.length === 0} note="SSCAN pages may repeat a member.">
          {detail.members.map((member, index) => (
            <tr key={index}>
              <td className="value-cell">
                <code>{member}</code>
              </td>
            </tr>
          ))}
        </PageTable>
      );
    case 'stream':
      return (
        <PageTable caption="Stream entries" headers={['Entry ID', 'Fields']} empty={detail.entries.length === 0}>
          {detail.entries.map((entry) => (
            <tr key={entry.id}>
              <th scope="row">
                <code>{entry.id}</code>
              </th>
              <td>
                <dl className="hash stream-fields">
                  {entry.fields.map((pair, index) => (
                    <div className="hash-row" key={index}>
                      <dt>{pair.field}</dt>
                      <dd>{pair.value}</dd>
                    </div>
                  ))}
                </dl>
              </td>
            </tr>
          ))}
        </PageTable>
      );
  }
}

function PageTable({
  caption,
  headers,
  numeric = [],
  empty,
  note,
  children,
}: {
  caption: string;
  headers: string[];
  numeric?: number[];
  empty: boolean;
  note?: string;
  children: ReactNode;
}) {
  if (empty) return <p className="muted">No entries on this page.</p>;
  return (
    <>
      <div className="table-wrap table-scroll">
        <table className="table" data-testid="key-value-table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {headers.map((header, index) => (
                <th key={header} scope="col" className={numeric.includes(index) ? 'num' : undefined}>
                  {header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
      {note && <p className="muted small">{note}</p>}
    </>
  );
}
