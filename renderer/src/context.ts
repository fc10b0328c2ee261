import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { EmulatorCommand, EmulatorStatus } from '../../core/server/contract.js';
import type { WorkbenchClient } from './client.js';
import type { LiveSnapshot, LiveStore } from './live-store.js';
import type { PageId } from './pages.js';

export interface Workbench {
  client: WorkbenchClient;
  store: LiveStore;
  navigate: (page: PageId) => void;
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

/** Sends emulator commands and folds the answer into the live status at once. */
export function useEmulatorControl(): {
  send: (command: EmulatorCommand) => Promise<EmulatorStatus | null>;
  pending: EmulatorCommand['action'] | null;
  error: string | null;
} {
  const { client, store } = useWorkbench();
  const [pending, setPending] = useState<EmulatorCommand['action'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mounted = useMounted();
  const send = useCallback(
    async (command: EmulatorCommand) => {
      setPending(command.action);
      setError(null);
      try {
        const status = await client.emulator(command);
        store.setEmulator(status ?? null);
        return status ?? null;
      } catch (failure) {
        if (mounted.current) setError((failure as Error).message);
        return null;
      } finally {
        if (mounted.current) setPending(null);
      }
    },
    [client, store, mounted],
  );
  return { send, pending, error };
}

export interface Polled<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refresh: () => void;
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

  return { data, error, loading, refresh };
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
