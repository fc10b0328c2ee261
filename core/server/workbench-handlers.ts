import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The stack's status, the thermostat emulator, and the topic-filter → handler table ingest routes every broker message by. */
export function workbenchHandlers(backend: ApiBackend) {
  return {
    status: () => backend.status(),
    emulator: ({ body }) => backend.controlEmulator(body),
    topicRules: () => backend.topicRules(),
    saveTopicRules: ({ body }) => backend.saveTopicRules(body.rules),
  } satisfies Partial<RouteHandlers>;
}
