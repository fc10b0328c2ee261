import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The broker's live view: who is connected, what is published where, and a test message from the workbench. */
export function brokerHandlers(backend: ApiBackend) {
  return {
    brokerClients: ({ query }) => backend.brokerClients(query.limit),
    brokerTopics: ({ query }) => backend.brokerTopics(query.prefix, query.limit),
    publishTestMessage: ({ body }) => backend.publishTestMessage(body),
  } satisfies Partial<RouteHandlers>;
}
