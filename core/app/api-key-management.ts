import { viewOf } from '../api-access/api-key-store.js';
import { readKeyUsage } from '../api-access/usage-counters.js';
import { Conflict, NotFound } from '../domain/errors.js';
import type { ApiKeyManagement } from '../server/api-backend.js';
import type { StackParts } from './stack-parts.js';

/** The API keys page's use cases on the workbench's own Redis; `apiUrl` is where the client API listens (null when off). */
export function apiKeyManagement({ apiAccess, redis, keys, config }: Pick<StackParts, 'apiAccess' | 'redis' | 'keys' | 'config'>, apiUrl: string | null): ApiKeyManagement {
  const { store } = apiAccess;
  const refuseWrites = () => {
    if (config.readOnly) throw new Conflict('read-only mode: API keys cannot be created, changed or revoked');
  };
  const missing = (id: string) => new NotFound(`no API key ${id}`);
  return {
    list: async () => ({ keys: (await store.list()).map(viewOf), apiUrl }),
    create: async (input) => {
      refuseWrites();
      const { key, record } = await store.create(input);
      return { id: record.id, key, apiKey: viewOf(record) };
    },
    update: async (id, change) => {
      refuseWrites();
      const record = await store.update(id, change);
      if (!record) throw missing(id);
      return viewOf(record);
    },
    revoke: async (id) => {
      refuseWrites();
      if (!(await store.revoke(id))) throw missing(id);
    },
    usage: async (id, range) => {
      if (!(await store.get(id))) throw missing(id);
      return readKeyUsage(redis, keys, id, range, Date.now());
    },
  };
}
