import type { ConnectionKit, PasswordKit } from '../api/devices.js';
import { defaultPublishFilters } from '../devices/device-registry.js';
import { Conflict, NotFound } from '../domain/errors.js';
import { deviceSnippets, type SnippetCredentials } from '../emulator/device-snippets.js';
import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/**
 * Registering devices on the bundled broker and handing out what they need; the broker's refusals.
 * The registry's own refusals (registered or removed meanwhile, a key that is not a device object)
 * are conflicts too.
 */
export function deviceHandlers(backend: ApiBackend) {
  const { devices } = backend;
  return {
    registeredDevices: ({ query: { cursor, count } }) => devices.list(cursor, count),

    registerDevice: async ({ body }): Promise<ConnectionKit> => {
      if (await devices.get(body.id)) throw new Conflict(`device ${body.id} is already registered`);
      const common = { id: body.id, kind: body.kind, publish: [...defaultPublishFilters(body.kind, body.id), ...(body.publish ?? [])], subscribe: body.subscribe ?? [] };
      // The certificate comes first: the registry entry holds its fingerprint. A certificate issued
      // for a registration that then fails is harmless, as no entry names its fingerprint.
      const certificate = body.auth === 'certificate' ? await (await backend.certificateAuthority()).issueClientCertificate(body.id) : undefined;
      const { device, password } = certificate
        ? await devices.register({ ...common, auth: 'certificate', certificateFingerprint: certificate.fingerprint })
        : await devices.register({ ...common, auth: 'password' });
      const endpoints = backend.brokerEndpoints();
      const credentials: SnippetCredentials = password === undefined ? { certificate: true } : { password };
      return {
        device,
        ...(password !== undefined && { password }),
        ...(certificate && { certificate }),
        endpoints,
        snippets: deviceSnippets(device, credentials, endpoints),
      };
    },

    removeDevice: async ({ params: { id } }) => {
      if (!(await devices.remove(id))) throw notRegistered(id);
      backend.deviceRemoved(id);
    },

    newDevicePassword: async ({ params: { id } }): Promise<PasswordKit> => {
      const existing = await devices.get(id);
      if (!existing) throw notRegistered(id);
      if (existing.auth !== 'password') throw new Conflict(`device ${id} authenticates with a client certificate and has no password`);
      const { device, password } = await devices.rotatePassword(id);
      // Sessions opened with the old password must not outlive it.
      backend.deviceRemoved(id);
      const endpoints = backend.brokerEndpoints();
      return { device, password, endpoints, snippets: deviceSnippets(device, { password }, endpoints) };
    },

    refusals: () => backend.refusals(),
  } satisfies Partial<RouteHandlers>;
}

function notRegistered(id: string): NotFound {
  return new NotFound(`no device ${id} is registered`);
}
