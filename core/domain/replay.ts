/**
 * Record and replay: what the broker, ingest and the replay agree on. A replay that must not mix
 * with live data publishes as a client whose id starts with REPLAY_PREFIXED_CLIENT_ID; ingest
 * writes what such a client publishes under the replay key prefix (see replayKeySchemaOptions in
 * core/model/keys.ts) instead of the live keys. The topics stay the original ones.
 */

/** Messages from a client whose id starts with this go to the replay keys, not the live ones. */
export const REPLAY_PREFIXED_CLIENT_ID = 'sw-replay-prefixed-';

/** A replay into the live keys publishes under ids starting with this (anything but the prefix above). */
export const REPLAY_LIVE_CLIENT_ID = 'sw-replay-live-';

/** The connection-list entry through which every page reads the replay keys (the workbench's own Redis, replay key schema). */
export const REPLAY_VIEW_ID = 'workbench-replay';

/** In front of every key a replay writes, unless it is sent to the live keys. */
export const DEFAULT_REPLAY_KEY_PREFIX = 'replay:';

/** Whether ingest writes this client's messages under the replay key prefix. Runs for every message: one startsWith. */
export function isReplayPrefixedClient(clientId: string | null): boolean {
  return clientId !== null && clientId.startsWith(REPLAY_PREFIXED_CLIENT_ID);
}

/** A recording's or replay file's name: the file is `<name>.ndjson` in `<dataDir>/recordings`. */
export const RECORDING_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Why a line of a replay file was skipped. */
export const REPLAY_SKIP_REASONS = ['bad-json', 'not-a-message', 'unknown-topic', 'oversize'] as const;
export type ReplaySkipReason = (typeof REPLAY_SKIP_REASONS)[number];

/** Every skip reason at 0: what a replay that has skipped nothing shows. */
export function noSkipsByReason(): Record<ReplaySkipReason, number> {
  return Object.fromEntries(REPLAY_SKIP_REASONS.map((reason) => [reason, 0])) as Record<ReplaySkipReason, number>;
}

/** Replays run at 1× to this many times the original pace. */
export const MAX_REPLAY_SPEED = 10_000;
