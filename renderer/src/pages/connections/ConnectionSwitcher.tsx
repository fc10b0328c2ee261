import { useCallback } from 'react';
import { useFetch, useLive, useTask, useWorkbench } from '../../context.js';

/**
 * The active connection's name in the top bar, and a menu of the saved ones to switch to. A failed
 * switch says why and the menu stays on the connection still in use.
 */
export function ConnectionSwitcher({ listVersion }: { listVersion: number }) {
  const { client, activateConnection } = useWorkbench();
  const connection = useLive().status?.connection ?? null;
  const activeId = connection?.id ?? null;
  // Asked again whenever the active connection changes or the Connections page saves or deletes one.
  const fetchList = useCallback(() => client.connections(), [client, activeId, listVersion]);
  const { data: list } = useFetch(activeId === null ? null : fetchList);
  const { busy, error, run } = useTask();

  if (!connection) return null;
  const choices = list?.connections ?? [];
  const canSwitch = choices.length > 1 && choices.some((choice) => choice.id === connection.id);

  return (
    <span className="connection-switcher">
      {canSwitch ? (
        <label className="switcher-label">
          Connection
          <select
            value={connection.id}
            title={connection.address}
            aria-busy={busy}
            onChange={(event) => {
              // Not disabled while switching: that would take the focus away. A change meanwhile is ignored and the menu snaps back.
              if (busy) return;
              const id = event.target.value;
              void run(() => activateConnection(id), () => undefined);
            }}
          >
            {choices.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <span className="connection-name" title={connection.address} data-testid="connection-name">
          {connection.name}
        </span>
      )}
      {error && (
        <span className="inline-error small" role="alert">
          Could not switch: {error}
        </span>
      )}
    </span>
  );
}
