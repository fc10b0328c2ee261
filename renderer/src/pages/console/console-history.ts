/** Lines kept per connection: enough for a session's worth of Up, small enough for localStorage. */
export const HISTORY_LIMIT = 200;

/** Each connection has its own history: a line typed against one server may mean nothing (or harm) on another. */
export const historyStorageKey = (connectionId: string) => `sensor-workbench.console-history.${connectionId}`;

/** The lines typed before against this connection, oldest first; none when storage is unavailable or damaged. */
export function loadHistory(connectionId: string): string[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(historyStorageKey(connectionId)) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((line): line is string => typeof line === 'string').slice(-HISTORY_LIMIT);
  } catch {
    return [];
  }
}

export function saveHistory(connectionId: string, history: readonly string[]): void {
  try {
    window.localStorage.setItem(historyStorageKey(connectionId), JSON.stringify(history));
  } catch {
    // Storage may be full or disabled: the history then lasts as long as the page.
  }
}

/** The history with `line` added: a repeat of the previous line is not (as in a shell), and only the newest HISTORY_LIMIT are kept. */
export function withLine(history: readonly string[], line: string): readonly string[] {
  if (history[history.length - 1] === line) return history;
  return [...history, line].slice(-HISTORY_LIMIT);
}
