import { checkConnection } from '../connections/connection-check.js';
import type { ConnectionManager } from '../connections/connection-manager.js';
import type { Inspection } from '../connections/inspection.js';
import { consoleExamples } from '../console/console-examples.js';
import { runConsoleLine } from '../console/console-session.js';
import { climateCounters } from '../query/climate-counters.js';
import { dbSize, keyDetail, scanKeys } from '../query/key-browser.js';
import { rejectedPayloads } from '../query/rejected-payloads.js';
import { deviceDetail, eventRange, recentEvents, searchEvents } from '../query/sensor-events.js';
import type { InspectBackend } from '../server/api-backend.js';

export interface InspectBackendParts {
  /** The connection every page reads from right now; asked again on every call, so a switch takes effect at once. */
  inspection: () => Inspection;
  connections: Pick<ConnectionManager, 'resolve' | 'commandTable'>;
}

/** The API's reads and commands on the active connection, and connection checks, each delegating to core/query, core/console or core/connections. */
export function inspectBackend({ inspection, connections }: InspectBackendParts): InspectBackend {
  return {
    activeConnectionId: () => inspection().connection.id,
    recentEvents: (limit) => {
      const { client, keys } = inspection();
      return recentEvents(client, keys, limit);
    },
    eventRange: (from, to, limit) => {
      const { client, keys } = inspection();
      return eventRange(client, keys, from, to, limit);
    },
    searchEvents: (match, cursor, count) => {
      const { client, keys } = inspection();
      return searchEvents(client, keys, match, cursor, count);
    },
    deviceDetail: (deviceId) => {
      const { client, keys } = inspection();
      return deviceDetail(client, keys, deviceId);
    },
    climateCounters: () => {
      const { client, keys } = inspection();
      return climateCounters(client, keys);
    },
    rejectedPayloads: (limit) => {
      const { client, keys } = inspection();
      return rejectedPayloads(client, keys, limit);
    },
    dataModel: () => inspection().dataModel.inspect(),
    takeWarnings: () => inspection().warnings?.take() ?? { warnings: [], dropped: 0 },
    keys: async (request) => {
      const target = inspection();
      const [scan, totalKeys] = await Promise.all([scanKeys(target, request), dbSize(target)]);
      return { ...scan, totalKeys };
    },
    keyDetail: (key, page) => keyDetail(inspection().client, key, page),
    console: (line) => runConsoleLine(inspection(), line),
    consoleExamples: () => consoleExamples(inspection().keys),
    checkConnection: (source) => {
      const { settings, secrets } = connections.resolve(source);
      return checkConnection(settings, secrets, (client) => connections.commandTable(client, settings.name));
    },
  };
}
