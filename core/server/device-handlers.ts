import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** Registering devices on the bundled broker and handing out what they need; the broker's refusals. */
export function deviceHandlers(backend: ApiBackend) {
  return {
    registeredDevices: ({ query: { cursor, count } }) => backend.registeredDevices(cursor, count),
    registerDevice: ({ body }) => backend.registerDevice(body),
    removeDevice: ({ params: { id } }) => backend.removeDevice(id),
    newDevicePassword: ({ params: { id } }) => backend.newDevicePassword(id),
    refusals: () => backend.refusals(),
  } satisfies Partial<RouteHandlers>;
}
