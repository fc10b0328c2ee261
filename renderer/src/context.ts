import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { EmulatorCommand, EmulatorStatus } from '../../core/api/status.js';
import type { MeterEmulatorCommand, MeterEmulatorStatus } from '../../core/api/energy.js';
import type { WorkbenchClient } from './client.js';
import type { LiveSnapshot, LiveStore } from './live-store.js';
import type { PageId } from './pages.js';

export interface Workbench {
  client: WorkbenchClient;
  store: LiveStore;
  navigate: (page: PageId) => void;
  /** Makes a saved connection the active one and reloads what every page shows; rejects with the server's reason, the current one kept. */
  activateConnection: (id: string) => Promise<void>;
  /** Tells the header's connection switcher that connections were added, edited or deleted. */
  connectionsChanged: () => void;
}

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const workbench = useContext(WorkbenchContext);
  if (!workbench) throw new Error('useWorkbench outside <App>');
  return workbench;
}

/** The live state, re-rendering on every applied frame. */
export function useLive(): LiveSnapshot {
  const { store } = useWorkbench();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export interface Control<C extends { action: string }, S> {
  send: (command: C) => Promise<S | null>;
  pending: C['action'] | null;
  error: string | null;
}

/** Sends thermostat emulator commands and folds the answer into the live status at once. */
export function useEmulatorControl(): Control<EmulatorCommand, EmulatorStatus> {
  const { client, store } = useWorkbench();
  const request = useCallback((command: EmulatorCommand) => client.emulator(command), [client]);
  const fold = useCallback((status: EmulatorStatus | null) => store.setEmulator(status), [store]);
  return useControl(request, fold);
}

/** Sends meter emulator commands and folds the answer into the live status at once. */
export function useMeterEmulatorControl(): Control<MeterEmulatorCommand, MeterEmulatorStatus> {
  const { client, store } = useWorkbench();
  const request = useCallback((command: MeterEmulatorCommand) => client.meterEmulator(command), [client]);
  const fold = useCallback((status: MeterEmulatorStatus | null) => store.setMeterEmulator(status), [store]);
  return useControl(request, fold);
}

function useControl<C extends { action: string }, S>(request: (command: C) => Promise<S | null>, fold: (status: S | null) => void): Control<C, S> {
  const [pending, setPending] = useState<C['action'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mounted = useMounted();
  const send = useCallback(
    async (command: C) => {
      setPending(command.action);
      setError(null);
      try {
        const status = (await request(command)) ?? null;
        fold(status);
        return status;
      } catch (failure) {
        if (mounted.current) setError((failure as Error).message);
        return null;
      } finally {
        if (mounted.current) setPending(null);
      }
    },
    [request, fold, mounted],
  );
  return { send, pending, error };
}

export interface Polled<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refresh: () => void;
  /** Shows an answer obtained another way (e.g. from a POST) as the latest one. */
  accept: (next: T) => void;
}

/** Fetches now and then every `intervalMs` while mounted; keeps the last good answer on errors. */
export function usePolling<T>(fetcher: () => Promise<T>, intervalMs: number): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const mounted = useMounted();
  const inFlight = useRef(false);

  const refresh = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    fetcherRef.current().then(
      (next) => {
        inFlight.current = false;
        if (!mounted.current) return;
        setData(next);
        setError(null);
        setLoading(false);
      },
      (failure: Error) => {
        inFlight.current = false;
        if (!mounted.current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
  }, [mounted]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);

  const accept = useCallback((next: T) => {
    setData(next);
    setError(null);
    setLoading(false);
  }, []);

  return { data, error, loading, refresh, accept };
}

export interface Fetched<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  retry: () => void;
}

/**
 * Fetches whenever `fetcher` changes (callers memoise it on what it asks for) and on retry. An
 * answer for an earlier fetcher is never shown, so a slow reply for a previous choice cannot
 * replace the current one; a retry keeps the last answer on screen until the new one arrives.
 * A null fetcher asks for nothing.
 */
export function useFetch<T>(fetcher: (() => Promise<T>) | null): Fetched<T> {
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<{ fetcher: unknown; attempt: number; data: T | null; error: string | null } | null>(null);

  useEffect(() => {
    if (!fetcher) return;
    let current = true;
    fetcher().then(
      (data) => current && setAnswer({ fetcher, attempt, data, error: null }),
      (failure: Error) => current && setAnswer((last) => ({ fetcher, attempt, data: last?.fetcher === fetcher ? last.data : null, error: failure.message || 'no answer' })),
    );
    return () => {
      current = false;
    };
  }, [fetcher, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const mine = answer?.fetcher === fetcher ? answer : null;
  const loading = fetcher !== null && (mine === null || mine.attempt !== attempt);
  return { data: mine?.data ?? null, error: loading ? null : (mine?.error ?? null), loading, retry };
}

export function useMounted(): { current: boolean } {
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}

/** A request the user starts: busy while it runs, its error kept for display, nothing set after unmount. */
export function useTask(): {
  busy: boolean;
  error: string | null;
  setError: (error: string | null) => void;
  run: <T>(task: () => Promise<T>, done: (result: T) => void) => Promise<void>;
} {
  const mounted = useMounted();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async <T,>(task: () => Promise<T>, done: (result: T) => void) => {
      setBusy(true);
      setError(null);
      try {
        const result = await task();
        if (mounted.current) done(result);
      } catch (failure) {
        if (mounted.current) setError((failure as Error).message);
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
    [mounted],
  );
  return { busy, error, setError, run };
}
