import type { ApiClient, ApiEndpoint, LiveConnection } from '../../core/api/api-client.js';
import { endpointFromLocation } from '../../core/api/api-client.js';
import type { LiveFrame, LiveTopic } from '../../core/api/live.js';

/** What the UI holds of a live connection: change topics, close. */
export type LiveHandle = Pick<LiveConnection, 'subscribe' | 'close'>;

/**
 * The client as the UI uses it: ApiClient's methods, with `live` returning only the handle, so
 * component tests can pass a plain object.
 */
export type WorkbenchClient = Omit<ApiClient, 'live'> & {
  live(topics: LiveTopic[], onFrame: (frame: LiveFrame) => void, onState: (connected: boolean) => void, onProblem: (message: string) => void): LiveHandle;
};

export const ENDPOINT_STORAGE_KEY = 'sensor-workbench.endpoint';

interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The API endpoint, read once at start-up: from the page address when it carries a token (and then
 * kept in sessionStorage), otherwise from sessionStorage, so a reload in browser mode keeps working.
 */
export function loadEndpoint(
  location: { origin: string; search: string; hash: string },
  storage: KeyValueStorage | null,
): ApiEndpoint | null {
  const fromLocation = endpointFromLocation(location);
  if (fromLocation) {
    try {
      storage?.setItem(ENDPOINT_STORAGE_KEY, JSON.stringify(fromLocation));
    } catch {
      // Storage may be disabled; the address still works for this load.
    }
    return fromLocation;
  }
  try {
    const stored = storage?.getItem(ENDPOINT_STORAGE_KEY);
    if (!stored) return null;
    const parsed = JSON.parse(stored) as Partial<ApiEndpoint>;
    if (typeof parsed.origin === 'string' && typeof parsed.token === 'string' && parsed.token) {
      return { origin: parsed.origin, token: parsed.token };
    }
  } catch {
    // A damaged entry is the same as none.
  }
  return null;
}
