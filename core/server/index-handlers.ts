import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** The unforeseen indexes: define, build, verify, look up, compare with a scan. */
export function indexHandlers({ indexes }: ApiBackend) {
  return {
    indexes: () => indexes.list(),
    defineIndex: ({ body }) => indexes.define(body),
    deleteIndex: ({ params }) => indexes.drop(params.name),
    pauseIndex: ({ params }) => indexes.pause(params.name),
    resumeIndex: ({ params }) => indexes.resume(params.name),
    verifyIndex: ({ params }) => indexes.verify(params.name),
    repairIndex: ({ params }) => indexes.repair(params.name),
    lookupIndex: ({ params, query }) => indexes.lookup(params.name, query),
    compareIndex: ({ body }) => indexes.compare(body),
  } satisfies Partial<RouteHandlers>;
}
