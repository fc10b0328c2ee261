import { useEffect, useState, type FormEvent } from 'react';
import type { DeviceDetail, EventRange, SensorEvent } from '../../../core/api/events.js';
import { Command, EmptyState, InlineError, Loading, PageHeader } from '../components.js';
import { useLive, useMounted, useTask, useWorkbench } from '../context.js';
import { formatClockMs, formatDateTime, formatInt, fromLocalInput, isoTime, toLocalInput } from '../format.js';
import { ExportControl } from './export/ExportControl.js';

/** The hash fields the pipeline writes for every device, in the document's order. */
export const DEVICE_FIELDS = ['temperature', 'deviceIP', 'humidity', 'climate', 'timestamp', 'requestId'] as const;

/** Pattern-search results kept across "Scan more" steps. */
export const SEARCH_CAP = 2000;

/** SensorData live, a device's hash on click, and the document's ZRANGEBYSCORE / ZSCAN queries. */
export function EventsPage() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Events">
        The newest 24 entries of the <code>SensorData</code> sorted set, live. Pick a device id to read its hash.
      </PageHeader>
      <div className="split">
        <RecentList selected={selected} onSelect={setSelected} />
        <DevicePanel deviceId={selected} />
      </div>
      <RangeQuery onSelect={setSelected} />
      <PatternSearch onSelect={setSelected} />
    </section>
  );
}

function RecentList({ selected, onSelect }: { selected: string | null; onSelect: (id: string) => void }) {
  const { client, store, navigate } = useWorkbench();
  const { events } = useLive();
  const [error, setError] = useState<string | null>(null);

  // The live frames bring fresh entries; ask once now so the page fills at once.
  useEffect(() => {
    let current = true;
    const mark = store.eventsMark();
    client.recentEvents(24).then(
      (recent) => current && store.seedEvents(recent, mark),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [client, store]);

  return (
    <div className="panel" aria-labelledby="recent-title" role="region">
      <div className="panel-title-row">
        <h2 id="recent-title">Newest readings</h2>
        <ExportControl view="devices" query={{}} what="every device hash in SensorData" />
      </div>
      {events ? (
        <>
          <p className="muted small">
            {formatInt(events.total)} devices in <code>SensorData</code>
          </p>
          {events.events.length === 0 ? (
            <EmptyState title="No readings yet — start the emulator on the Emulator page or publish to temp_readings.">
              <button type="button" className="button" onClick={() => navigate('emulator')}>
                Open the Emulator page
              </button>
            </EmptyState>
          ) : (
            <EventList events={events.events} selected={selected} onSelect={onSelect} label="Newest SensorData entries" testId="events-list" showScore={false} />
          )}
          <Command label="redis-cli">{events.command}</Command>
        </>
      ) : error ? (
        <InlineError>Could not read SensorData: {error}</InlineError>
      ) : (
        <Loading what="the newest readings" />
      )}
    </div>
  );
}

function EventList({
  events,
  selected,
  onSelect,
  label,
  testId,
  showScore = true,
}: {
  events: SensorEvent[];
  selected: string | null;
  onSelect: (id: string) => void;
  label: string;
  testId: string;
  /** The raw score (ms) beside the time; off where the list is narrow. */
  showScore?: boolean;
}) {
  return (
    <ol className={`event-list${showScore ? ' event-list-wide' : ''}`} aria-label={label} data-testid={testId}>
      {events.map((event, index) => (
        <li key={`${event.deviceId}-${event.timestamp}-${index}`} className="event-item" data-testid="event">
          <button
            type="button"
            className="device-button"
            aria-pressed={event.deviceId === selected}
            onClick={() => onSelect(event.deviceId)}
            title={`HGETALL ${event.deviceId}`}
          >
            {event.deviceId}
          </button>
          <time dateTime={isoTime(event.timestamp)} className="muted" title={`score ${event.timestamp}`}>
            {formatClockMs(event.timestamp)}
          </time>
          {showScore && (
            <span className="score muted small" title="score">
              {event.timestamp}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

function DevicePanel({ deviceId }: { deviceId: string | null }) {
  const { client } = useWorkbench();
  const mounted = useMounted();
  const [detail, setDetail] = useState<DeviceDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    if (deviceId === null) return;
    let current = true;
    setLoading(true);
    setError(null);
    client.device(deviceId).then(
      (next) => {
        if (!current || !mounted.current) return;
        setDetail(next);
        setLoading(false);
      },
      (failure: Error) => {
        if (!current || !mounted.current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [client, deviceId, asked, mounted]);

  const shown = detail && detail.deviceId === deviceId ? detail : null;
  const extra = shown ? Object.keys(shown.fields).filter((name) => !(DEVICE_FIELDS as readonly string[]).includes(name)) : [];

  return (
    <aside className="panel device-panel" aria-labelledby="device-title" data-testid="device-hash">
      <div className="panel-title-row">
        <h2 id="device-title">{deviceId === null ? 'Device hash' : `Device ${deviceId}`}</h2>
        {deviceId !== null && (
          <button type="button" className="button button-quiet" onClick={() => setAsked((n) => n + 1)} disabled={loading}>
            Refresh
          </button>
        )}
      </div>
      {deviceId === null ? (
        <p className="muted">Choose a device id in the list to see its hash (HGETALL): the last reading it sent.</p>
      ) : error ? (
        <InlineError>Could not read device {deviceId}: {error}</InlineError>
      ) : !shown ? (
        <Loading what={`device ${deviceId}`} />
      ) : Object.keys(shown.fields).length === 0 ? (
        <EmptyState title={`No hash for device ${deviceId}.`}>
          The key does not exist (any more), or this device id is not one the pipeline wrote.
        </EmptyState>
      ) : (
        <>
          <dl className="hash" aria-label={`Hash of device ${deviceId}`}>
            {[...DEVICE_FIELDS, ...extra].map((name) => (
              <div key={name} className="hash-row" data-field={name}>
                <dt>{name}</dt>
                <dd>{formatField(name, shown.fields[name])}</dd>
              </div>
            ))}
          </dl>
          <Command label="redis-cli">{shown.command}</Command>
        </>
      )}
    </aside>
  );
}

function formatField(name: string, value: string | undefined) {
  if (value === undefined) return <span className="muted">(missing)</span>;
  if (name === 'timestamp' && /^\d+$/.test(value)) {
    return (
      <>
        {value} <span className="muted small">({formatDateTime(Number(value))})</span>
      </>
    );
  }
  return value;
}

const QUICK_RANGES: Array<{ label: string; seconds: number }> = [
  { label: 'Last minute', seconds: 60 },
  { label: 'Last 10 minutes', seconds: 600 },
  { label: 'Last hour', seconds: 3600 },
];

function RangeQuery({ onSelect }: { onSelect: (id: string) => void }) {
  const { client } = useWorkbench();
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 60_000));
  const [to, setTo] = useState(() => toLocalInput(Date.now() + 1000));
  const [limit, setLimit] = useState('100');
  const [result, setResult] = useState<EventRange | null>(null);
  const { busy, error, setError, run: runTask } = useTask();

  const range = formRange(from, to);

  const run = async (fromMs: number | null, toMs: number | null) => {
    const count = Number(limit);
    if (fromMs === null || toMs === null) return setError('Enter both times.');
    if (fromMs > toMs) return setError('"From" is after "To".');
    if (!Number.isInteger(count) || count < 1 || count > 10_000) return setError('Limit is a whole number from 1 to 10,000.');
    await runTask(() => client.eventRange(fromMs, toMs, count), setResult);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(range?.from ?? null, range?.to ?? null);
  };

  const quick = (seconds: number) => {
    const now = Date.now();
    setFrom(toLocalInput(now - seconds * 1000));
    setTo(toLocalInput(now));
    void run(now - seconds * 1000, now);
  };

  return (
    <div className="panel" role="region" aria-labelledby="range-title">
      <div className="panel-title-row">
        <h2 id="range-title">Time range</h2>
        <ExportControl view="events" query={range} what="every entry in the time range" />
      </div>
      <p className="muted small">
        Devices whose latest reading falls in a time range, oldest first: <code>ZRANGEBYSCORE SensorData from to</code>.
      </p>
      <form className="form-row" onSubmit={submit} aria-label="Time range query" noValidate>
        <label>
          From
          <input type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To
          <input type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <label>
          Limit
          <input type="number" min={1} max={10000} value={limit} onChange={(e) => setLimit(e.target.value)} className="input-narrow" />
        </label>
        <button type="submit" className="button button-primary" disabled={busy}>
          Run query
        </button>
        <span className="button-row">
          {QUICK_RANGES.map((range) => (
            <button key={range.label} type="button" className="button button-quiet" disabled={busy} onClick={() => quick(range.seconds)}>
              {range.label}
            </button>
          ))}
        </span>
      </form>
      {error && <InlineError>{error}</InlineError>}
      {result && (
        <div data-testid="range-result">
          <Command label="redis-cli">{result.command}</Command>
          <p className="small">
            {formatInt(result.events.length)} {result.events.length === 1 ? 'entry' : 'entries'}
            {result.truncated && ` — more fall in this range; raise the limit to see them`}
          </p>
          {result.events.length === 0 ? (
            <EmptyState title="Nothing in this range.">Widen the range, or start the emulator so readings arrive.</EmptyState>
          ) : (
            <EventList events={result.events} selected={null} onSelect={onSelect} label="Entries in the time range" testId="range-list" />
          )}
        </div>
      )}
    </div>
  );
}

/** The range the inputs show, in ms; the inputs have whole seconds, so all of the last one is in. */
function formRange(from: string, to: string): { from: number; to: number } | null {
  const fromMs = fromLocalInput(from);
  const toMs = fromLocalInput(to);
  return fromMs === null || toMs === null ? null : { from: fromMs, to: toMs + 999 };
}

function PatternSearch({ onSelect }: { onSelect: (id: string) => void }) {
  const { client } = useWorkbench();
  const [match, setMatch] = useState('2*');
  const [count, setCount] = useState('100');
  const [found, setFound] = useState<SensorEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [command, setCommand] = useState<string | null>(null);
  const [steps, setSteps] = useState(0);
  const { busy, error, setError, run } = useTask();

  const step = async (from: string, pattern: string, fresh: boolean) => {
    const size = Number(count);
    if (!pattern) return setError('Enter a pattern, e.g. 2* for device ids starting with 2.');
    if (!Number.isInteger(size) || size < 1 || size > 10_000) return setError('Count is a whole number from 1 to 10,000.');
    await run(
      () => client.searchEvents(pattern, from, size),
      (result) => {
        setFound((previous) => {
          const merged = new Map((fresh ? [] : previous).map((event) => [event.deviceId, event]));
          for (const event of result.events) merged.set(event.deviceId, event);
          return [...merged.values()].slice(0, SEARCH_CAP);
        });
        setCursor(result.cursor);
        setCommand(result.command);
        setSteps((n) => (fresh ? 1 : n + 1));
      },
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void step('0', match, true);
  };

  const complete = cursor === '0';
  const capped = found.length >= SEARCH_CAP;

  return (
    <div className="panel" role="region" aria-labelledby="search-title">
      <div className="panel-title-row">
        <h2 id="search-title">Pattern search</h2>
        <ExportControl view="devices" query={match ? { match } : null} what="every device hash whose id matches the pattern" />
      </div>
      <p className="muted small">
        Walk <code>SensorData</code> with <code>ZSCAN … MATCH pattern COUNT n</code>; each step returns a cursor for the next.
      </p>
      <form className="form-row" onSubmit={submit} aria-label="Pattern search" noValidate>
        <label>
          Pattern
          <input type="text" value={match} onChange={(e) => setMatch(e.target.value)} spellCheck={false} placeholder="2*" />
        </label>
        <label>
          Count
          <input type="number" min={1} max={10000} value={count} onChange={(e) => setCount(e.target.value)} className="input-narrow" />
        </label>
        <button type="submit" className="button button-primary" disabled={busy}>
          Search
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || cursor === null || complete || capped}
          onClick={() => cursor && void step(cursor, match, false)}
        >
          Scan more
        </button>
      </form>
      {error && <InlineError>{error}</InlineError>}
      {command && (
        <div data-testid="search-result">
          <Command label="redis-cli">{command}</Command>
          <p className="small">
            {formatInt(found.length)} found in {formatInt(steps)} {steps === 1 ? 'step' : 'steps'} ·{' '}
            {complete ? 'scan complete (cursor 0)' : capped ? `showing the first ${formatInt(SEARCH_CAP)}` : `next cursor ${cursor}`}
          </p>
          {found.length === 0 ? (
            <EmptyState title={complete ? 'No device ids match.' : 'Nothing matched in this step.'}>
              {complete ? 'Try another pattern, such as 1* or *7.' : 'ZSCAN may return nothing in a step and still have more: press “Scan more”.'}
            </EmptyState>
          ) : (
            <EventList events={found} selected={null} onSelect={onSelect} label="Matching SensorData entries" testId="search-list" />
          )}
        </div>
      )}
    </div>
  );
}
