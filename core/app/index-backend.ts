import type { Config } from '../config/schema.js';
import type { Inspection } from '../connections/inspection.js';
import type { IndexBuildSettings } from '../query/index-builds.js';
import { compareWithIndex, lookupIndex } from '../query/index-lookup.js';
import type { IndexBackend } from '../server/api-backend.js';

export function indexBuildSettings(config: Config): IndexBuildSettings {
  return { rate: config.index.buildRate, scanCount: config.index.scanCount };
}

/** The unforeseen indexes of the connection the pages show, asked again on every call so a switch takes effect at once. */
export function indexBackend(inspection: () => Inspection): IndexBackend {
  return {
    list: async () => {
      const { indexes } = inspection();
      return { indexes: await indexes.list(), buildRefusal: indexes.buildRefusal };
    },
    define: (definition) => inspection().indexes.define(definition),
    pause: (name) => inspection().indexes.pause(name),
    resume: (name) => inspection().indexes.resume(name),
    verify: (name) => inspection().indexes.verify(name, false),
    repair: (name) => inspection().indexes.verify(name, true),
    drop: (name) => inspection().indexes.drop(name),
    lookup: async (name, query) => {
      const { client, keys, indexes } = inspection();
      return lookupIndex(client, keys, await indexes.record(name), query);
    },
    compare: async (request) => {
      const { client, keys, indexes } = inspection();
      return compareWithIndex(client, keys, request, request.index === undefined ? null : await indexes.record(request.index));
    },
  };
}
