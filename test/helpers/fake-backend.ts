import type { ApiBackend, ApiKeyManagement, IndexBackend, InspectBackend, RecordReplayBackend, SavedConnections } from '../../core/server/api-backend.js';
import { startHttpServer, type HttpServer } from '../../core/server/http-server.js';

/** Methods to fake; `inspect` is merged method by method, `connections` and `indexes` (often real objects) replace the whole. */
type Overrides = Partial<Omit<ApiBackend, 'inspect'>> & { inspect?: Partial<InspectBackend> };

/** A backend method the test did not fake: calling it is the test's mistake, and says which. */
function notFaked(name: string): () => never {
  return () => {
    throw new Error(`fake backend: ${name} is not faked`);
  };
}

const NO_CONNECTIONS: SavedConnections = {
  list: notFaked('connections.list'),
  add: notFaked('connections.add'),
  update: notFaked('connections.update'),
  remove: notFaked('connections.remove'),
};

const NO_API_KEYS: ApiKeyManagement = {
  list: notFaked('apiKeys.list'),
  create: notFaked('apiKeys.create'),
  update: notFaked('apiKeys.update'),
  revoke: notFaked('apiKeys.revoke'),
  usage: notFaked('apiKeys.usage'),
};

const NO_INDEXES: IndexBackend = {
  list: notFaked('indexes.list'),
  define: notFaked('indexes.define'),
  pause: notFaked('indexes.pause'),
  resume: notFaked('indexes.resume'),
  verify: notFaked('indexes.verify'),
  repair: notFaked('indexes.repair'),
  drop: notFaked('indexes.drop'),
  lookup: notFaked('indexes.lookup'),
  compare: notFaked('indexes.compare'),
};

const NO_RECORD_REPLAY: RecordReplayBackend = {
  recordings: notFaked('recordReplay.recordings'),
  startRecording: notFaked('recordReplay.startRecording'),
  stopRecording: notFaked('recordReplay.stopRecording'),
  deleteRecording: notFaked('recordReplay.deleteRecording'),
  recordingFile: notFaked('recordReplay.recordingFile'),
  importRecording: notFaked('recordReplay.importRecording'),
  replayStatus: notFaked('recordReplay.replayStatus'),
  startReplay: notFaked('recordReplay.startReplay'),
  controlReplay: notFaked('recordReplay.controlReplay'),
  clearReplayKeys: notFaked('recordReplay.clearReplayKeys'),
};

/** An in-memory ApiBackend: what a test passes, and for everything else a method that fails naming itself. */
export function fakeBackend(overrides: Overrides = {}): ApiBackend {
  const { inspect = {}, ...top } = overrides;
  return {
    status: notFaked('status'),
    controlEmulator: notFaked('controlEmulator'),
    listMeters: notFaked('listMeters'),
    energySeries: notFaked('energySeries'),
    energyReadings: notFaked('energyReadings'),
    controlMeterEmulator: notFaked('controlMeterEmulator'),
    archiveStatus: notFaked('archiveStatus'),
    startArchiveRun: notFaked('startArchiveRun'),
    pendingBuckets: notFaked('pendingBuckets'),
    archivedObjects: notFaked('archivedObjects'),
    testS3Connection: notFaked('testS3Connection'),
    topicRules: notFaked('topicRules'),
    saveTopicRules: notFaked('saveTopicRules'),
    activateConnection: notFaked('activateConnection'),
    registeredDevices: notFaked('registeredDevices'),
    registerDevice: notFaked('registerDevice'),
    removeDevice: notFaked('removeDevice'),
    newDevicePassword: notFaked('newDevicePassword'),
    refusals: notFaked('refusals'),
    brokerClients: notFaked('brokerClients'),
    brokerTopics: notFaked('brokerTopics'),
    publishTestMessage: notFaked('publishTestMessage'),
    connections: NO_CONNECTIONS,
    apiKeys: NO_API_KEYS,
    indexes: NO_INDEXES,
    recordReplay: NO_RECORD_REPLAY,
    exports: { start: notFaked('exports.start') },
    ...top,
    inspect: {
      activeConnectionId: () => 'workbench',
      recentEvents: notFaked('inspect.recentEvents'),
      eventRange: notFaked('inspect.eventRange'),
      searchEvents: notFaked('inspect.searchEvents'),
      deviceDetail: notFaked('inspect.deviceDetail'),
      climateCounters: notFaked('inspect.climateCounters'),
      rejectedPayloads: notFaked('inspect.rejectedPayloads'),
      dataModel: notFaked('inspect.dataModel'),
      takeWarnings: () => ({ warnings: [], dropped: 0 }),
      keys: notFaked('inspect.keys'),
      keyDetail: notFaked('inspect.keyDetail'),
      console: notFaked('inspect.console'),
      consoleExamples: notFaked('inspect.consoleExamples'),
      checkConnection: notFaked('inspect.checkConnection'),
      ...inspect,
    },
  };
}

export interface FakeServer {
  server: HttpServer;
  origin: string;
  token: string;
  /** Every line the server logged. */
  log: string[];
}

export const FAKE_SERVER_TOKEN = 'fake-backend-token';

/** The real HTTP server on a free loopback port, serving `backend`; no Redis, broker or UI behind it. */
export async function startFakeServer(backend: ApiBackend): Promise<FakeServer> {
  const log: string[] = [];
  const server = await startHttpServer({ backend, host: '127.0.0.1', port: 0, token: FAKE_SERVER_TOKEN, rendererDir: null, log: (line) => log.push(line) });
  return { server, origin: server.url, token: FAKE_SERVER_TOKEN, log };
}
