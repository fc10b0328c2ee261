import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The API keys page: the client API's keys and their usage. */
export function apiKeyHandlers({ apiKeys }: ApiBackend) {
  return {
    apiKeys: () => apiKeys.list(),
    createApiKey: ({ body }) => apiKeys.create(body),
    updateApiKey: ({ params, body }) => apiKeys.update(params.id, body),
    revokeApiKey: ({ params }) => apiKeys.revoke(params.id),
    apiKeyUsage: ({ params, query }) => apiKeys.usage(params.id, query.range),
  } satisfies Partial<RouteHandlers>;
}
