import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The pages that read the active connection: events, devices, counters, dead letters, the data model, the key browser, the console. */
export function inspectHandlers({ inspect }: ApiBackend) {
  return {
    recentEvents: ({ query }) => inspect.recentEvents(query.limit),
    eventRange: ({ query: { from, to, limit } }) => inspect.eventRange(from, to, limit),
    searchEvents: ({ query: { match, cursor, count } }) => inspect.searchEvents(match, cursor, count),
    device: ({ params }) => inspect.deviceDetail(params.deviceId),
    climate: () => inspect.climateCounters(),
    rejected: ({ query }) => inspect.rejectedPayloads(query.limit),
    dataModel: () => inspect.dataModel(),
    keys: ({ query: { cursor, match, type, count, maxExamined } }) => inspect.keys({ cursor, match: match ?? null, type: type ?? null, count, maxExamined }),
    keyDetail: ({ query: { key, offset, limit } }) => inspect.keyDetail(key, { offset: offset ?? null, limit }),
    console: ({ body }) => inspect.console(body.line),
    consoleExamples: () => inspect.consoleExamples(),
  } satisfies Partial<RouteHandlers>;
}
