import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { DemoCa } from '../certificates/certificate-authority.js';
import { defaultPublishFilters, DEVICE_AUTH_METHODS, DEVICE_KINDS, deviceIdSchema, DeviceRegistryError, type DeviceRegistry } from '../devices/device-registry.js';
import { deviceSnippets, type BrokerEndpoint, type SnippetCredentials } from '../emulator/device-snippets.js';
import type { RefusalSnapshot } from '../devices/refusals.js';
import { topicFilterProblem } from '../domain/topic-filter.js';
import type { ApiError } from '../api/api-error.js';
import type { ConnectionKit, PasswordKit, RefusalSummary, RegisteredDevicePage } from '../api/devices.js';
import { parseRequest } from './request-validation.js';

/** What the device routes need from the stack. */
export interface DeviceBackend {
  devices: DeviceRegistry;
  /** The CA that signs device certificates (and that the TLS listeners trust for client certificates). */
  certificateAuthority(): Promise<DemoCa>;
  /** The broker's listeners, as devices reach them. */
  brokerEndpoints(): BrokerEndpoint[];
  refusals(): RefusalSnapshot;
  /** A device was unregistered or its password replaced: the broker forgets its cached access and disconnects it. */
  deviceRemoved(id: string): void;
}

const pageQuery = z.object({
  cursor: z.string().regex(/^\d+$/, { message: 'a cursor is the decimal number the previous page returned' }).default('0'),
  count: z.coerce.number().int().min(1).max(1000).default(100),
});
const idParams = z.object({ id: deviceIdSchema });
const topicFilter = z.string().superRefine((filter, context) => {
  const problem = topicFilterProblem(filter);
  if (problem) context.addIssue({ code: 'custom', message: `${JSON.stringify(filter)}: ${problem}` });
});
// The registry keeps at most 32 publish filters; a kind brings up to 2 of its own.
const topicFilters = z.array(topicFilter).max(30, { message: 'at most 30 topic filters' });
const registrationBody = z.strictObject({
  id: deviceIdSchema,
  kind: z.enum(DEVICE_KINDS),
  auth: z.enum(DEVICE_AUTH_METHODS),
  publish: topicFilters.optional(),
  subscribe: topicFilters.optional(),
});

/** Registering devices on the bundled broker and handing out what they need; the broker's refusals. */
export function registerDeviceRoutes(app: FastifyInstance, backend: DeviceBackend): void {
  const { devices } = backend;

  app.get('/api/devices/registry', async (request): Promise<RegisteredDevicePage> => {
    const { cursor, count } = parseRequest(pageQuery, request.query);
    return devices.list(cursor, count);
  });

  app.post('/api/devices/registry', async (request, reply) => {
    const body = parseRequest(registrationBody, request.body);
    if (await devices.get(body.id)) return conflict(reply, `device ${body.id} is already registered`);
    const common = { id: body.id, kind: body.kind, publish: [...defaultPublishFilters(body.kind, body.id), ...(body.publish ?? [])], subscribe: body.subscribe ?? [] };
    // The certificate comes first: the registry entry holds its fingerprint. A certificate issued
    // for a registration that then fails is harmless, as no entry names its fingerprint.
    const certificate = body.auth === 'certificate' ? await (await backend.certificateAuthority()).issueClientCertificate(body.id) : undefined;
    const registration = await registryOutcome(() =>
      certificate ? devices.register({ ...common, auth: 'certificate', certificateFingerprint: certificate.fingerprint }) : devices.register({ ...common, auth: 'password' }),
    );
    if (!registration.ok) return conflict(reply, registration.message);
    const { device, password } = registration.value;
    const endpoints = backend.brokerEndpoints();
    const credentials: SnippetCredentials = password === undefined ? { certificate: true } : { password };
    const kit: ConnectionKit = {
      device,
      ...(password !== undefined && { password }),
      ...(certificate && { certificate }),
      endpoints,
      snippets: deviceSnippets(device, credentials, endpoints),
    };
    return reply.code(201).send(kit);
  });

  app.delete('/api/devices/registry/:id', async (request, reply) => {
    const { id } = parseRequest(idParams, request.params);
    if (!(await devices.remove(id))) return notFound(reply, id);
    backend.deviceRemoved(id);
    return reply.code(204).send();
  });

  app.post('/api/devices/registry/:id/password', async (request, reply) => {
    const { id } = parseRequest(idParams, request.params);
    const existing = await devices.get(id);
    if (!existing) return notFound(reply, id);
    if (existing.auth !== 'password') return conflict(reply, `device ${id} authenticates with a client certificate and has no password`);
    const rotation = await registryOutcome(() => devices.rotatePassword(id));
    if (!rotation.ok) return conflict(reply, rotation.message);
    const { device, password } = rotation.value;
    // Sessions opened with the old password must not outlive it.
    backend.deviceRemoved(id);
    const endpoints = backend.brokerEndpoints();
    const kit: PasswordKit = { device, password, endpoints, snippets: deviceSnippets(device, { password }, endpoints) };
    return kit;
  });

  app.get('/api/devices/refusals', async (): Promise<RefusalSummary> => backend.refusals());
}

type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The registry's refusals after the checks above passed: the state changed in between (registered
 * or removed meanwhile), or the Redis key is not a device object. Anything else is Redis failing.
 */
async function registryOutcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof DeviceRegistryError) return { ok: false, message: error.message };
    throw error;
  }
}

function conflict(reply: FastifyReply, message: string) {
  return reply.code(409).send({ error: message } satisfies ApiError);
}

function notFound(reply: FastifyReply, id: string) {
  return reply.code(404).send({ error: `no device ${id} is registered` } satisfies ApiError);
}
