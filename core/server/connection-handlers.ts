import { Conflict } from '../domain/errors.js';
import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** Saved connections (secrets go in, never out), testing them, and switching the pages between them. */
export function connectionHandlers(backend: ApiBackend) {
  const { connections, inspect } = backend;
  return {
    connections: () => connections.list(inspect.activeConnectionId()),
    addConnection: ({ body }) => connections.add(body),
    updateConnection: async ({ params: { id }, body }) => {
      const view = await connections.update(id, body);
      // The pages keep reading with the old settings until the connection is opened again.
      if (inspect.activeConnectionId() === id) await backend.activateConnection(id).catch(() => undefined);
      return view;
    },
    deleteConnection: async ({ params: { id } }) => {
      if (inspect.activeConnectionId() === id) throw new Conflict('this connection is in use: choose another one first');
      await connections.remove(id);
    },
    testConnection: ({ params: { id } }) => inspect.checkConnection({ id }),
    testConnectionInput: ({ query: { id }, body }) => inspect.checkConnection({ input: body, ...(id !== undefined && { id }) }),
    activateConnection: ({ params: { id } }) => backend.activateConnection(id),
  } satisfies Partial<RouteHandlers>;
}
