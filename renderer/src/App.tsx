import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type JSX, type KeyboardEvent, type MouseEvent } from 'react';
import type { StackStatus } from '../../core/api/status.js';
import { ThemeContext } from './Chart.js';
import type { LiveHandle, WorkbenchClient } from './client.js';
import { Banner } from './components.js';
import { WorkbenchContext, useLive, useWorkbench } from './context.js';
import { LiveStore } from './live-store.js';
import { PAGES, topicsFor, type PageId } from './pages.js';
import { ApiKeysPage } from './pages/ApiKeysPage.js';
import { ArchivePage } from './pages/ArchivePage.js';
import { BrokerPage } from './pages/BrokerPage.js';
import { ClimatePage } from './pages/ClimatePage.js';
import { ConnectionSwitcher } from './pages/connections/ConnectionSwitcher.js';
import { ConnectionsPage } from './pages/ConnectionsPage.js';
import { ConsolePage } from './pages/ConsolePage.js';
import { DataModelPage } from './pages/DataModelPage.js';
import { DevicesPage } from './pages/DevicesPage.js';
import { EmulatorPage } from './pages/EmulatorPage.js';
import { EventsPage } from './pages/EventsPage.js';
import { IndexesPage } from './pages/IndexesPage.js';
import { KeysPage } from './pages/KeysPage.js';
import { MetersPage } from './pages/MetersPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { RejectedPage } from './pages/RejectedPage.js';
import { TopicRulesPage } from './pages/TopicRulesPage.js';
import { WarningsPage } from './pages/WarningsPage.js';
import { useTheme } from './theme.js';

export interface AppProps {
  client: WorkbenchClient;
  /** Shown in the "cannot reach" banner. */
  origin?: string;
  initialPage?: PageId;
  /** Tests pass their own to feed frames directly; the app makes one otherwise. */
  store?: LiveStore;
}

const PAGE_VIEWS: Record<PageId, () => JSX.Element> = {
  overview: OverviewPage,
  events: EventsPage,
  climate: ClimatePage,
  warnings: WarningsPage,
  emulator: EmulatorPage,
  meters: MetersPage,
  archive: ArchivePage,
  model: DataModelPage,
  indexes: IndexesPage,
  keys: KeysPage,
  console: ConsolePage,
  connections: ConnectionsPage,
  devices: DevicesPage,
  broker: BrokerPage,
  rules: TopicRulesPage,
  rejected: RejectedPage,
  'api-keys': ApiKeysPage,
};

/**
 * The dashboard: navigation (in-app state, never the URL: the desktop app passes the token in the
 * fragment), ONE live connection whose topics follow the page, banners when something is down.
 */
export function App({ client, origin, initialPage = 'overview', store: givenStore }: AppProps) {
  const store = useMemo(() => givenStore ?? new LiveStore(), [givenStore]);
  const [page, setPage] = useState<PageId>(initialPage);
  const [generation, setGeneration] = useState(0);
  const { theme, toggle } = useTheme();
  const liveRef = useRef<LiveHandle | null>(null);
  const topicsRef = useRef(topicsFor(page));

  // The one live connection; a retry makes a new one.
  useEffect(() => {
    const handle = client.live(
      topicsRef.current,
      (frame) => store.applyFrame(frame),
      (connected) => store.setConnected(connected),
      (problem) => store.setStatusError(problem),
    );
    liveRef.current = handle;
    return () => {
      handle.close();
      if (liveRef.current === handle) liveRef.current = null;
    };
  }, [client, store, generation]);

  // Status by request too: at start-up, and on retry, so a dead API shows its reason.
  useEffect(() => {
    let current = true;
    const mark = store.statusMark();
    client.status().then(
      (status) => current && store.setStatus(status, mark),
      (failure: Error) => current && store.setStatusError(failure.message || 'no answer', mark),
    );
    return () => {
      current = false;
    };
  }, [client, store, generation]);

  useEffect(() => {
    topicsRef.current = topicsFor(page);
    liveRef.current?.subscribe(topicsRef.current);
    const info = PAGES.find((one) => one.id === page);
    document.title = `${info?.title ?? ''} · Sensor Workbench`;
  }, [page]);

  const retry = useCallback(() => setGeneration((n) => n + 1), []);
  // The new connection shows at once (pages remount on it); a new generation then brings its status and live frames.
  const activateConnection = useCallback(
    async (id: string) => {
      store.setConnection(await client.activateConnection(id));
      setGeneration((n) => n + 1);
    },
    [client, store],
  );
  const [listVersion, setListVersion] = useState(0);
  const connectionsChanged = useCallback(() => setListVersion((n) => n + 1), []);
  const workbench = useMemo(
    () => ({ client, store, navigate: setPage, activateConnection, connectionsChanged }),
    [client, store, activateConnection, connectionsChanged],
  );

  return (
    <WorkbenchContext.Provider value={workbench}>
      <ThemeContext.Provider value={theme}>
        <div className="app">
          <a className="skip-link" href="#main" onClick={skipToMain}>
            Skip to content
          </a>
          <header className="topbar">
            <span className="brand">
              <span className="brand-mark" aria-hidden="true" />
              Sensor Workbench
            </span>
            <ConnectionSwitcher listVersion={listVersion} />
            <TopbarStatus />
            <button
              type="button"
              className="button button-quiet theme-toggle"
              onClick={toggle}
              aria-pressed={theme === 'dark'}
              data-testid="theme-toggle"
            >
              Dark theme
            </button>
          </header>
          <Navigation page={page} onSelect={setPage} />
          <main id="main" className="main" tabIndex={-1}>
            <Banners origin={origin} onRetry={retry} />
            <PageView page={page} />
          </main>
        </div>
      </ThemeContext.Provider>
    </WorkbenchContext.Provider>
  );
}

/** The page, remounted whenever the active connection changes so it fetches from the new one. */
function PageView({ page }: { page: PageId }) {
  const { store } = useWorkbench();
  const switches = useSyncExternalStore(store.subscribe, () => store.getSnapshot().connectionSwitches);
  const View = PAGE_VIEWS[page];
  return <View key={`${page}:${switches}`} />;
}

function skipToMain(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

/** The page list: links (Tab reaches them, Enter or Space opens), arrow keys, Home and End move between them. */
function Navigation({ page, onSelect }: { page: PageId; onSelect: (page: PageId) => void }) {
  const listRef = useRef<HTMLUListElement | null>(null);

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const links = Array.from(listRef.current?.querySelectorAll<HTMLAnchorElement>('a[data-page]') ?? []);
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (index < 0) return;
    let next: number | null = null;
    if (event.key === 'ArrowDown' || event.key === 'ArrowRight') next = (index + 1) % links.length;
    else if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') next = (index - 1 + links.length) % links.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = links.length - 1;
    else if (event.key === ' ') {
      event.preventDefault();
      onSelect(links[index]!.dataset.page as PageId);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    links[next]!.focus();
  };

  return (
    <nav className="nav" aria-label="Pages">
      <ul ref={listRef} onKeyDown={onKeyDown}>
        {PAGES.map((info) => (
          <li key={info.id}>
            <a
              href="#"
              data-page={info.id}
              aria-current={info.id === page ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                onSelect(info.id);
              }}
            >
              {info.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TopbarStatus() {
  const { connected, status } = useLive();
  const state = connected === null ? 'connecting' : connected ? 'live' : 'offline';
  return (
    <span className="topbar-status">
      {status?.readOnly && (
        <span className="badge badge-readonly" data-testid="readonly-badge" title={`Read-only: only read commands reach ${status.connection.name}`}>
          read-only
        </span>
      )}
      <span className={`live-indicator live-${state}`} data-testid="live-indicator">
        <span className="live-dot" aria-hidden="true" />
        {state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Offline'}
      </span>
    </span>
  );
}

const PART_NAMES: Record<keyof StackStatus['parts'], string> = {
  redis: 'Redis',
  broker: 'MQTT broker',
  ingest: 'Ingest',
  emulator: 'Emulator',
  udp: 'UDP listener',
  meterEmulator: 'Meter emulator',
  archive: 'Archive',
};

/** Parts whose stopped state is a choice (not started, or not configured), never a fault. */
const MAY_REST_STOPPED: ReadonlySet<keyof StackStatus['parts']> = new Set(['emulator', 'meterEmulator', 'udp', 'archive']);

/** Which parts are in trouble: failed anywhere, or stopped where they should run. */
export function troubledParts(status: StackStatus): Array<{ name: string; state: string; detail: string | null }> {
  return (Object.keys(PART_NAMES) as Array<keyof StackStatus['parts']>)
    .filter((key) => {
      const { state } = status.parts[key];
      if (state === 'failed') return true;
      if (state !== 'stopped') return false;
      if (MAY_REST_STOPPED.has(key)) return false;
      if (key === 'ingest' && status.readOnly) return false; // read-only mode never ingests
      return true;
    })
    .map((key) => ({ name: PART_NAMES[key], state: status.parts[key].state, detail: status.parts[key].detail }));
}

function Banners({ origin, onRetry }: { origin: string | undefined; onRetry: () => void }) {
  const { connected, status, statusError } = useLive();
  const where = origin ? ` at ${origin}` : '';
  if (statusError || connected === false) {
    const reason = statusError
      ? `${statusError}.`
      : 'The live connection closed; it tries again every second. Is `npm run serve` (or the desktop app) still running?';
    return (
      <Banner tone="error" title={`Cannot reach the workbench API${where}.`} onRetry={onRetry} testId="api-down-banner">
        {reason} {status && 'The figures below are the last ones received.'}
      </Banner>
    );
  }
  if (!status) return null;
  const troubled = troubledParts(status);
  const { ingest } = status.figures;
  return (
    <>
      {troubled.map((part) => (
        <Banner
          key={part.name}
          tone="error"
          title={`${part.name} is ${part.state}.`}
          onRetry={onRetry}
          testId="part-banner"
        >
          {part.detail ?? 'No reason given.'}
        </Banner>
      ))}
      {ingest.bufferFull && (
        <Banner tone="warning" title="The ingest buffer is full: publishers are held back." testId="buffer-full-banner">
          {ingest.lastError ? `Last error: ${ingest.lastError}. ` : ''}
          Redis is not taking writes fast enough (or is away); readings wait in MQTT until it does.
        </Banner>
      )}
    </>
  );
}
