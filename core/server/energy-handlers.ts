import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The smart-meter and archive side of the API. */
export function energyHandlers(backend: ApiBackend) {
  return {
    meters: ({ query }) => backend.listMeters(query.limit),
    meterEnergy: ({ params, query: { from, to, interval } }) => backend.energySeries(params.deviceId, from, to, interval),
    meterReadings: ({ params, query: { from, to, limit } }) => backend.energyReadings(params.deviceId, from, to, limit),
    meterEmulator: ({ body }) => backend.controlMeterEmulator(body),
    archive: () => backend.archiveStatus(),
    runArchive: () => backend.startArchiveRun(),
    pendingBuckets: ({ query: { cursor, count } }) => backend.pendingBuckets(cursor, count),
    archivedObjects: ({ query }) => backend.archivedObjects(query.after ?? null),
    testS3Connection: () => backend.testS3Connection(),
  } satisfies Partial<RouteHandlers>;
}
