import { z } from 'zod';
import { apiKeyCreatedSchema, apiKeyCreateSchema, apiKeyListSchema, apiKeyParams, apiKeyUpdateSchema, apiKeyUsageQuery, apiKeyUsageSchema, apiKeyViewSchema } from './api-keys.js';
import { archivedObjectsQuery, pendingBucketsQuery, archivedObjectsSchema, archiveStatusSchema, pendingBucketsSchema, s3ConnectionCheckSchema } from './archive.js';
import { brokerClientsQuery, brokerPublishRequestSchema, brokerTopicsQuery, brokerClientListSchema, brokerPublishResultSchema, brokerTopicListSchema } from './broker.js';
import { connectionIdParams, connectionTestQuery, activeConnectionSchema, connectionCheckSchema, connectionListSchema, connectionViewSchema } from './connections.js';
import { consoleExampleSchema, consoleReplySchema, consoleRequestSchema } from './console.js';
import {
  deviceRegistrationSchema,
  registeredDeviceParams,
  registryPageQuery,
  topicRulesUpdateSchema,
  connectionKitSchema,
  passwordKitSchema,
  refusalSummarySchema,
  registeredDevicePageSchema,
  topicRulesViewSchema,
} from './devices.js';
import {
  energyReadingsQuery,
  energySeriesQuery,
  meterEmulatorCommandSchema,
  meterParams,
  metersQuery,
  energyReadingsSchema,
  energySeriesSchema,
  meterEmulatorStatusSchema,
  meterListSchema,
} from './energy.js';
import {
  deviceDetailParams,
  eventRangeQuery,
  eventSearchQuery,
  recentEventsQuery,
  rejectedQuery,
  climateCountersSchema,
  dataModelSchema,
  deviceDetailSchema,
  eventRangeSchema,
  eventSearchSchema,
  recentEventsSchema,
  rejectedPayloadsSchema,
} from './events.js';
import { EXPORT_QUERIES, exportDownloadSchema, exportPath, type ExportView } from './export.js';
import { indexCompareRequestSchema, indexCompareSchema, indexListSchema, indexLookupQuery, indexLookupSchema, indexParams, indexStatusSchema, indexVerifyReportSchema } from './indexes.js';
import { keyDetailQuery, keysQuery, keyDetailSchema, keyPageSchema } from './keys.js';
import { liveFrameSchema, liveRefusalSchema, liveSubscribeSchema } from './live.js';
import {
  recordingParams,
  recordingStartSchema,
  recordingStateSchema,
  recordingsViewSchema,
  replayCommandSchema,
  replayKeysClearedSchema,
  replayStartSchema,
  replayStatusSchema,
} from './replay.js';
import { route } from './route.js';
import { emulatorCommandSchema, emulatorStatusSchema, stackStatusSchema } from './status.js';
import { connectionInputSchema } from '../domain/connection.js';
import { indexDefinitionSchema } from '../domain/index-definition.js';

/**
 * Every HTTP route of the API, named as the client's methods are. The server registers exactly
 * these (core/server/route-registration.ts) and the client builds its requests from them
 * (core/api/api-client.ts); no path is written anywhere else.
 */
export const routes = {
  status: route({ method: 'GET', path: '/api/status', response: stackStatusSchema }),
  /** Null when the emulator has never been started and the command was stop. */
  emulator: route({ method: 'POST', path: '/api/emulator', body: emulatorCommandSchema, response: emulatorStatusSchema.nullable() }),

  recentEvents: route({ method: 'GET', path: '/api/events', query: recentEventsQuery, response: recentEventsSchema }),
  eventRange: route({ method: 'GET', path: '/api/events/range', query: eventRangeQuery, response: eventRangeSchema }),
  searchEvents: route({ method: 'GET', path: '/api/events/search', query: eventSearchQuery, response: eventSearchSchema }),
  device: route({ method: 'GET', path: '/api/devices/:deviceId', params: deviceDetailParams, response: deviceDetailSchema }),
  climate: route({ method: 'GET', path: '/api/climate', response: climateCountersSchema }),
  rejected: route({ method: 'GET', path: '/api/rejected', query: rejectedQuery, response: rejectedPayloadsSchema }),
  dataModel: route({ method: 'GET', path: '/api/model', response: dataModelSchema }),

  meters: route({ method: 'GET', path: '/api/meters', query: metersQuery, response: meterListSchema }),
  meterEnergy: route({ method: 'GET', path: '/api/meters/:deviceId/energy', params: meterParams, query: energySeriesQuery, response: energySeriesSchema }),
  meterReadings: route({ method: 'GET', path: '/api/meters/:deviceId/readings', params: meterParams, query: energyReadingsQuery, response: energyReadingsSchema }),
  /** Null when the meter emulator has never been started and the command was stop. */
  meterEmulator: route({ method: 'POST', path: '/api/emulator/meters', body: meterEmulatorCommandSchema, response: meterEmulatorStatusSchema.nullable() }),

  archive: route({ method: 'GET', path: '/api/archive', response: archiveStatusSchema }),
  runArchive: route({ method: 'POST', path: '/api/archive/run', response: archiveStatusSchema }),
  pendingBuckets: route({ method: 'GET', path: '/api/archive/pending', query: pendingBucketsQuery, response: pendingBucketsSchema }),
  archivedObjects: route({ method: 'GET', path: '/api/archive/objects', query: archivedObjectsQuery, response: archivedObjectsSchema }),
  testS3Connection: route({ method: 'POST', path: '/api/archive/test', response: s3ConnectionCheckSchema }),

  keys: route({ method: 'GET', path: '/api/keys', query: keysQuery, response: keyPageSchema }),
  keyDetail: route({ method: 'GET', path: '/api/keys/detail', query: keyDetailQuery, response: keyDetailSchema }),

  connections: route({ method: 'GET', path: '/api/connections', response: connectionListSchema }),
  addConnection: route({ method: 'POST', path: '/api/connections', body: connectionInputSchema, status: 201, response: connectionViewSchema }),
  /** Secrets left out of the input stay as stored. */
  updateConnection: route({ method: 'PUT', path: '/api/connections/:id', params: connectionIdParams, body: connectionInputSchema, response: connectionViewSchema }),
  deleteConnection: route({ method: 'DELETE', path: '/api/connections/:id', params: connectionIdParams, status: 204, response: z.void() }),
  testConnection: route({ method: 'POST', path: '/api/connections/:id/test', params: connectionIdParams, response: connectionCheckSchema }),
  testConnectionInput: route({ method: 'POST', path: '/api/connections/test', query: connectionTestQuery, body: connectionInputSchema, response: connectionCheckSchema }),
  activateConnection: route({ method: 'POST', path: '/api/connections/:id/activate', params: connectionIdParams, response: activeConnectionSchema }),

  console: route({ method: 'POST', path: '/api/console', body: consoleRequestSchema, response: consoleReplySchema }),
  consoleExamples: route({ method: 'GET', path: '/api/console/examples', response: z.array(consoleExampleSchema) }),

  topicRules: route({ method: 'GET', path: '/api/ingest/topic-rules', response: topicRulesViewSchema }),
  saveTopicRules: route({ method: 'PUT', path: '/api/ingest/topic-rules', body: topicRulesUpdateSchema, response: topicRulesViewSchema }),

  registeredDevices: route({ method: 'GET', path: '/api/devices/registry', query: registryPageQuery, response: registeredDevicePageSchema }),
  registerDevice: route({ method: 'POST', path: '/api/devices/registry', body: deviceRegistrationSchema, status: 201, response: connectionKitSchema }),
  removeDevice: route({ method: 'DELETE', path: '/api/devices/registry/:id', params: registeredDeviceParams, status: 204, response: z.void() }),
  newDevicePassword: route({ method: 'POST', path: '/api/devices/registry/:id/password', params: registeredDeviceParams, response: passwordKitSchema }),
  refusals: route({ method: 'GET', path: '/api/devices/refusals', response: refusalSummarySchema }),

  brokerClients: route({ method: 'GET', path: '/api/broker/clients', query: brokerClientsQuery, response: brokerClientListSchema }),
  brokerTopics: route({ method: 'GET', path: '/api/broker/topics', query: brokerTopicsQuery, response: brokerTopicListSchema }),
  publishTestMessage: route({ method: 'POST', path: '/api/broker/publish', body: brokerPublishRequestSchema, response: brokerPublishResultSchema }),

  /** The recording running, the last one, and the files (downloaded and uploaded at RECORDING_FILE_PATH, outside this table: they stream). */
  recordings: route({ method: 'GET', path: '/api/recordings', response: recordingsViewSchema }),
  startRecording: route({ method: 'POST', path: '/api/recordings', body: recordingStartSchema, status: 201, response: recordingStateSchema }),
  stopRecording: route({ method: 'POST', path: '/api/recordings/stop', response: recordingStateSchema }),
  deleteRecording: route({ method: 'DELETE', path: '/api/recordings/:name', params: recordingParams, status: 204, response: z.void() }),
  replay: route({ method: 'GET', path: '/api/replay', response: replayStatusSchema }),
  /** Answers at once, state preparing: the source is read meanwhile. */
  startReplay: route({ method: 'POST', path: '/api/replay', body: replayStartSchema, response: replayStatusSchema }),
  controlReplay: route({ method: 'POST', path: '/api/replay/control', body: replayCommandSchema, response: replayStatusSchema }),
  clearReplayKeys: route({ method: 'POST', path: '/api/replay/clear', response: replayKeysClearedSchema }),

  apiKeys: route({ method: 'GET', path: '/api/api-keys', response: apiKeyListSchema }),
  /** The answer holds the secret; it is never shown again. */
  createApiKey: route({ method: 'POST', path: '/api/api-keys', body: apiKeyCreateSchema, status: 201, response: apiKeyCreatedSchema }),
  updateApiKey: route({ method: 'PATCH', path: '/api/api-keys/:id', params: apiKeyParams, body: apiKeyUpdateSchema, response: apiKeyViewSchema }),
  /** Every client API process refuses the key within a second. */
  revokeApiKey: route({ method: 'DELETE', path: '/api/api-keys/:id', params: apiKeyParams, status: 204, response: z.void() }),
  apiKeyUsage: route({ method: 'GET', path: '/api/api-keys/:id/usage', params: apiKeyParams, query: apiKeyUsageQuery, response: apiKeyUsageSchema }),
  indexes: route({ method: 'GET', path: '/api/indexes', response: indexListSchema }),
  defineIndex: route({ method: 'POST', path: '/api/indexes', body: indexDefinitionSchema, status: 201, response: indexStatusSchema }),
  deleteIndex: route({ method: 'DELETE', path: '/api/indexes/:name', params: indexParams, status: 204, response: z.void() }),
  pauseIndex: route({ method: 'POST', path: '/api/indexes/:name/pause', params: indexParams, response: indexStatusSchema }),
  resumeIndex: route({ method: 'POST', path: '/api/indexes/:name/resume', params: indexParams, response: indexStatusSchema }),
  verifyIndex: route({ method: 'POST', path: '/api/indexes/:name/verify', params: indexParams, response: indexVerifyReportSchema }),
  repairIndex: route({ method: 'POST', path: '/api/indexes/:name/repair', params: indexParams, response: indexVerifyReportSchema }),
  lookupIndex: route({ method: 'GET', path: '/api/indexes/:name/lookup', params: indexParams, query: indexLookupQuery, response: indexLookupSchema }),
  compareIndex: route({ method: 'POST', path: '/api/indexes/compare', body: indexCompareRequestSchema, response: indexCompareSchema }),

  /** Streaming exports (core/api/export.ts): a file in the format asked for, read in bounded steps as the client takes it. */
  exportEvents: exportRoute('events'),
  exportDevices: exportRoute('devices'),
  exportMeterEnergy: exportRoute('meter-energy'),
  exportMeterReadings: exportRoute('meter-readings'),
  exportRejected: exportRoute('rejected'),
  exportBrokerTopics: exportRoute('broker-topics'),
  exportKeys: exportRoute('keys'),
  exportRefusals: exportRoute('refusals'),
};

function exportRoute<V extends ExportView>(view: V) {
  return route({ method: 'GET', path: exportPath(view), query: EXPORT_QUERIES[view], response: exportDownloadSchema, download: true });
}

/** The route of each export view, by the view's name. */
export const EXPORT_ROUTES = {
  events: routes.exportEvents,
  devices: routes.exportDevices,
  'meter-energy': routes.exportMeterEnergy,
  'meter-readings': routes.exportMeterReadings,
  rejected: routes.exportRejected,
  'broker-topics': routes.exportBrokerTopics,
  keys: routes.exportKeys,
  refusals: routes.exportRefusals,
} as const satisfies Record<ExportView, unknown>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

/** The live WebSocket (GET upgrade, token in the query): subscribe messages in, frames (or a refusal of a subscribe message) out (core/api/live.ts). */
export const liveChannel = { path: '/api/live', subscribe: liveSubscribeSchema, frame: liveFrameSchema, refusal: liveRefusalSchema };
