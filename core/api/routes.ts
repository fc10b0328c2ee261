import { archivedObjectsQuery, pendingBucketsQuery, type ArchivedObjects, type ArchiveStatus, type PendingBuckets, type S3ConnectionCheck } from './archive.js';
import { brokerClientsQuery, brokerPublishRequestSchema, brokerTopicsQuery, type BrokerClientList, type BrokerPublishResult, type BrokerTopicList } from './broker.js';
import { connectionIdParams, connectionTestQuery, type ActiveConnection, type ConnectionCheck, type ConnectionList, type ConnectionView } from './connections.js';
import { consoleRequestSchema, type ConsoleExample, type ConsoleReply } from './console.js';
import {
  deviceRegistrationSchema,
  registeredDeviceParams,
  registryPageQuery,
  topicRulesUpdateSchema,
  type ConnectionKit,
  type PasswordKit,
  type RefusalSummary,
  type RegisteredDevicePage,
  type TopicRulesView,
} from './devices.js';
import {
  energyReadingsQuery,
  energySeriesQuery,
  meterEmulatorCommandSchema,
  meterParams,
  metersQuery,
  type EnergyReadings,
  type EnergySeries,
  type MeterEmulatorStatus,
  type MeterList,
} from './energy.js';
import {
  deviceDetailParams,
  eventRangeQuery,
  eventSearchQuery,
  recentEventsQuery,
  rejectedQuery,
  type ClimateCounters,
  type DataModel,
  type DeviceDetail,
  type EventRange,
  type EventSearch,
  type RecentEvents,
  type RejectedPayloads,
} from './events.js';
import { keyDetailQuery, keysQuery, type KeyDetail, type KeyPage } from './keys.js';
import { liveSubscribeSchema } from './live.js';
import { route, responseType } from './route.js';
import { emulatorCommandSchema, type EmulatorStatus, type StackStatus } from './status.js';
import { connectionInputSchema } from '../domain/connection.js';

/**
 * Every HTTP route of the API, named as the client's methods are. The server registers exactly
 * these (core/server/route-registration.ts) and the client builds its requests from them
 * (core/api/api-client.ts); no path is written anywhere else.
 */
export const routes = {
  status: route({ method: 'GET', path: '/api/status', response: responseType<StackStatus>() }),
  /** Null when the emulator has never been started and the command was stop. */
  emulator: route({ method: 'POST', path: '/api/emulator', body: emulatorCommandSchema, response: responseType<EmulatorStatus | null>() }),

  recentEvents: route({ method: 'GET', path: '/api/events', query: recentEventsQuery, response: responseType<RecentEvents>() }),
  eventRange: route({ method: 'GET', path: '/api/events/range', query: eventRangeQuery, response: responseType<EventRange>() }),
  searchEvents: route({ method: 'GET', path: '/api/events/search', query: eventSearchQuery, response: responseType<EventSearch>() }),
  device: route({ method: 'GET', path: '/api/devices/:deviceId', params: deviceDetailParams, response: responseType<DeviceDetail>() }),
  climate: route({ method: 'GET', path: '/api/climate', response: responseType<ClimateCounters>() }),
  rejected: route({ method: 'GET', path: '/api/rejected', query: rejectedQuery, response: responseType<RejectedPayloads>() }),
  dataModel: route({ method: 'GET', path: '/api/model', response: responseType<DataModel>() }),

  meters: route({ method: 'GET', path: '/api/meters', query: metersQuery, response: responseType<MeterList>() }),
  meterEnergy: route({ method: 'GET', path: '/api/meters/:deviceId/energy', params: meterParams, query: energySeriesQuery, response: responseType<EnergySeries>() }),
  meterReadings: route({ method: 'GET', path: '/api/meters/:deviceId/readings', params: meterParams, query: energyReadingsQuery, response: responseType<EnergyReadings>() }),
  /** Null when the meter emulator has never been started and the command was stop. */
  meterEmulator: route({ method: 'POST', path: '/api/emulator/meters', body: meterEmulatorCommandSchema, response: responseType<MeterEmulatorStatus | null>() }),

  archive: route({ method: 'GET', path: '/api/archive', response: responseType<ArchiveStatus>() }),
  runArchive: route({ method: 'POST', path: '/api/archive/run', response: responseType<ArchiveStatus>() }),
  pendingBuckets: route({ method: 'GET', path: '/api/archive/pending', query: pendingBucketsQuery, response: responseType<PendingBuckets>() }),
  archivedObjects: route({ method: 'GET', path: '/api/archive/objects', query: archivedObjectsQuery, response: responseType<ArchivedObjects>() }),
  testS3Connection: route({ method: 'POST', path: '/api/archive/test', response: responseType<S3ConnectionCheck>() }),

  keys: route({ method: 'GET', path: '/api/keys', query: keysQuery, response: responseType<KeyPage>() }),
  keyDetail: route({ method: 'GET', path: '/api/keys/detail', query: keyDetailQuery, response: responseType<KeyDetail>() }),

  connections: route({ method: 'GET', path: '/api/connections', response: responseType<ConnectionList>() }),
  addConnection: route({ method: 'POST', path: '/api/connections', body: connectionInputSchema, status: 201, response: responseType<ConnectionView>() }),
  /** Secrets left out of the input stay as stored. */
  updateConnection: route({ method: 'PUT', path: '/api/connections/:id', params: connectionIdParams, body: connectionInputSchema, response: responseType<ConnectionView>() }),
  deleteConnection: route({ method: 'DELETE', path: '/api/connections/:id', params: connectionIdParams, status: 204, response: responseType<void>() }),
  testConnection: route({ method: 'POST', path: '/api/connections/:id/test', params: connectionIdParams, response: responseType<ConnectionCheck>() }),
  testConnectionInput: route({ method: 'POST', path: '/api/connections/test', query: connectionTestQuery, body: connectionInputSchema, response: responseType<ConnectionCheck>() }),
  activateConnection: route({ method: 'POST', path: '/api/connections/:id/activate', params: connectionIdParams, response: responseType<ActiveConnection>() }),

  console: route({ method: 'POST', path: '/api/console', body: consoleRequestSchema, response: responseType<ConsoleReply>() }),
  consoleExamples: route({ method: 'GET', path: '/api/console/examples', response: responseType<ConsoleExample[]>() }),

  topicRules: route({ method: 'GET', path: '/api/ingest/topic-rules', response: responseType<TopicRulesView>() }),
  saveTopicRules: route({ method: 'PUT', path: '/api/ingest/topic-rules', body: topicRulesUpdateSchema, response: responseType<TopicRulesView>() }),

  registeredDevices: route({ method: 'GET', path: '/api/devices/registry', query: registryPageQuery, response: responseType<RegisteredDevicePage>() }),
  registerDevice: route({ method: 'POST', path: '/api/devices/registry', body: deviceRegistrationSchema, status: 201, response: responseType<ConnectionKit>() }),
  removeDevice: route({ method: 'DELETE', path: '/api/devices/registry/:id', params: registeredDeviceParams, status: 204, response: responseType<void>() }),
  newDevicePassword: route({ method: 'POST', path: '/api/devices/registry/:id/password', params: registeredDeviceParams, response: responseType<PasswordKit>() }),
  refusals: route({ method: 'GET', path: '/api/devices/refusals', response: responseType<RefusalSummary>() }),

  brokerClients: route({ method: 'GET', path: '/api/broker/clients', query: brokerClientsQuery, response: responseType<BrokerClientList>() }),
  brokerTopics: route({ method: 'GET', path: '/api/broker/topics', query: brokerTopicsQuery, response: responseType<BrokerTopicList>() }),
  publishTestMessage: route({ method: 'POST', path: '/api/broker/publish', body: brokerPublishRequestSchema, response: responseType<BrokerPublishResult>() }),
};

export type Routes = typeof routes;
export type RouteName = keyof Routes;

/** The live WebSocket (GET upgrade, token in the query): subscribe messages in, frames out (core/api/live.ts). */
export const liveChannel = { path: '/api/live', subscribe: liveSubscribeSchema };
