import type { ApiBackend } from './api-backend.js';
import type { RouteHandlers } from './route-registration.js';

/** Recording the broker's traffic and replaying it (the files themselves stream through recording-file-routes.ts). */
export function recordReplayHandlers({ recordReplay }: ApiBackend) {
  return {
    recordings: () => recordReplay.recordings(),
    startRecording: ({ body }) => recordReplay.startRecording(body),
    stopRecording: () => recordReplay.stopRecording(),
    deleteRecording: ({ params }) => recordReplay.deleteRecording(params.name),
    replay: () => recordReplay.replayStatus(),
    startReplay: ({ body }) => recordReplay.startReplay(body),
    controlReplay: ({ body }) => recordReplay.controlReplay(body),
    clearReplayKeys: () => recordReplay.clearReplayKeys(),
  } satisfies Partial<RouteHandlers>;
}
