import type { ConnectionKit, DeviceRegistrationRequest, PasswordKit } from '../api/devices.js';
import type { Broker } from '../broker/broker.js';
import { reachableFromDevices } from '../broker/lan-address.js';
import type { DemoCa } from '../certificates/certificate-authority.js';
import { defaultPublishFilters, type DeviceRegistry } from '../devices/device-registry.js';
import { Conflict, NotFound } from '../domain/errors.js';
import { deviceSnippets, type BrokerEndpoint, type SnippetCredentials } from '../emulator/device-snippets.js';
import type { ApiBackend } from '../server/api-backend.js';

export interface DeviceEnrollmentParts {
  registry: Pick<DeviceRegistry, 'list' | 'get' | 'register' | 'remove' | 'rotatePassword'>;
  /** The CA that signs device certificates (and that the TLS listeners trust for client certificates). */
  certificateAuthority: () => Promise<Pick<DemoCa, 'issueClientCertificate'>>;
  /** Its listeners go into every kit; it forgets a removed or re-keyed device's cached access and disconnects it. */
  broker: Pick<Broker, 'listeners' | 'deviceChanged'>;
}

export type DeviceEnrollment = Pick<ApiBackend, 'registeredDevices' | 'registerDevice' | 'removeDevice' | 'newDevicePassword'>;

/**
 * Registering devices on the bundled broker and handing out what they need to connect. The
 * registry's own refusals (registered or removed meanwhile, a key that is not a device object) are
 * conflicts too.
 */
export function deviceEnrollment({ registry, certificateAuthority, broker }: DeviceEnrollmentParts): DeviceEnrollment {
  const endpoints = (): BrokerEndpoint[] => broker.listeners.map(reachableFromDevices);
  return {
    registeredDevices: (cursor, count) => registry.list(cursor, count),

    registerDevice: async (request: DeviceRegistrationRequest): Promise<ConnectionKit> => {
      if (await registry.get(request.id)) throw new Conflict(`device ${request.id} is already registered`);
      const common = {
        id: request.id,
        kind: request.kind,
        publish: [...defaultPublishFilters(request.kind, request.id), ...(request.publish ?? [])],
        subscribe: request.subscribe ?? [],
      };
      // The certificate comes first: the registry entry holds its fingerprint. A certificate issued
      // for a registration that then fails is harmless, as no entry names its fingerprint.
      const certificate = request.auth === 'certificate' ? await (await certificateAuthority()).issueClientCertificate(request.id) : undefined;
      const { device, password } = certificate
        ? await registry.register({ ...common, auth: 'certificate', certificateFingerprint: certificate.fingerprint })
        : await registry.register({ ...common, auth: 'password' });
      const reachable = endpoints();
      const credentials: SnippetCredentials = password === undefined ? { certificate: true } : { password };
      return {
        device,
        ...(password !== undefined && { password }),
        ...(certificate && { certificate }),
        endpoints: reachable,
        snippets: deviceSnippets(device, credentials, reachable),
      };
    },

    removeDevice: async (id) => {
      if (!(await registry.remove(id))) throw notRegistered(id);
      broker.deviceChanged(id);
    },

    newDevicePassword: async (id): Promise<PasswordKit> => {
      const existing = await registry.get(id);
      if (!existing) throw notRegistered(id);
      if (existing.auth !== 'password') throw new Conflict(`device ${id} authenticates with a client certificate and has no password`);
      const { device, password } = await registry.rotatePassword(id);
      // Sessions opened with the old password must not outlive it.
      broker.deviceChanged(id);
      const reachable = endpoints();
      return { device, password, endpoints: reachable, snippets: deviceSnippets(device, { password }, reachable) };
    },
  };
}

function notRegistered(id: string): NotFound {
  return new NotFound(`no device ${id} is registered`);
}
