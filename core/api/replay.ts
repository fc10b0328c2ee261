import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import { MAX_REPLAY_SPEED, RECORDING_NAME_PATTERN, REPLAY_SKIP_REASONS, noSkipsByReason } from '../domain/replay.js';
import { topicFilterSchema } from '../domain/topic-rule.js';

/**
 * Record the broker's traffic to NDJSON files in the data dir, and replay a recording, an events
 * export or an archived range of a meter into the live pipeline (README "Record and replay").
 */

export const recordingNameSchema = z.string().regex(RECORDING_NAME_PATTERN, {
  message: 'a recording name is 1 to 100 letters, digits, "_", "." or "-", starting with a letter or digit',
});

export const recordingParams = z.object({ name: recordingNameSchema });

/** POST /api/recordings: start recording what the broker delivers on `filter`. */
export const recordingStartSchema = z.strictObject({
  /** Absent: recording-<date>-<time>. A file of that name must not exist yet. */
  name: recordingNameSchema.optional(),
  /** An MQTT filter; `#` is every topic but the broker's own `$SYS/…`. */
  filter: topicFilterSchema.default('#'),
});
export type RecordingStart = z.input<typeof recordingStartSchema>;

export const RECORDING_STOP_REASONS = ['stopped', 'size-cap', 'write-error', 'shutdown'] as const;
export type RecordingStopReason = (typeof RECORDING_STOP_REASONS)[number];

/** The recording running now, or the last one, with its figures so far. */
export const recordingStateSchema = z.object({
  name: z.string(),
  filter: z.string(),
  /** ms since epoch. */
  startedAt: z.number(),
  stoppedAt: z.number().nullable(),
  /** Lines written (or on their way to the file). */
  messages: z.number(),
  /** Bytes of those lines: the file's size once they are flushed. */
  bytes: z.number(),
  /** Messages left out because the disk fell behind by more than the recording buffer; 0 normally. */
  dropped: z.number(),
  /** The size cap: the recording stops before its file would grow past it. */
  maxBytes: z.number(),
  /** Times of the first and the last message recorded, ms since epoch. */
  firstAt: z.number().nullable(),
  lastAt: z.number().nullable(),
  /** Null while recording. */
  stopReason: z.enum(RECORDING_STOP_REASONS).nullable(),
  /** What went wrong writing the file, with stopReason write-error. */
  error: z.string().nullable(),
});
export type RecordingState = z.infer<typeof recordingStateSchema>;

/** One file of `<dataDir>/recordings`: a recording, or an export or recording uploaded for replay. */
export const recordingFileSchema = z.object({
  name: z.string(),
  /** Size on disk. */
  bytes: z.number(),
  /** Lines that replay as messages, and the time span they cover (ms since epoch); null until known (a file copied in by hand, before its first replay). */
  messages: z.number().nullable(),
  firstAt: z.number().nullable(),
  lastAt: z.number().nullable(),
  /** recording: made here; import: uploaded (a recording or an events export); unknown: put into the folder by hand. */
  origin: z.enum(['recording', 'import', 'unknown']),
  filter: z.string().nullable(),
  dropped: z.number().nullable(),
  /** ms since epoch the file was last written. */
  modifiedAt: z.number(),
  /** Being recorded or replayed right now: it cannot be deleted. */
  recording: z.boolean(),
  replaying: z.boolean(),
});
export type RecordingFile = z.infer<typeof recordingFileSchema>;

/** GET /api/recordings */
export const recordingsViewSchema = z.object({
  active: recordingStateSchema.nullable(),
  /** The recording that ran last since start, stopped (by the user, the size cap or an error). */
  last: recordingStateSchema.nullable(),
  /** Newest first. */
  files: z.array(recordingFileSchema),
  maxBytes: z.number(),
  directory: z.string(),
});
export type RecordingsView = z.infer<typeof recordingsViewSchema>;

/** GET and PUT of a recording's file: streamed, so outside the route table (see core/server/recording-file-routes.ts). */
export const RECORDING_FILE_PATH = '/api/recordings/:name/file';
export function recordingFilePath(name: string): string {
  return RECORDING_FILE_PATH.replace(':name', encodeURIComponent(name));
}

const unixSeconds = z.int().min(0).max(4_102_444_800);

/** What a replay plays. */
export const replaySourceSchema = z.discriminatedUnion('kind', [
  /** A file of `<dataDir>/recordings`: a recording, or an uploaded events export (GET /api/export/events?format=ndjson). */
  z.strictObject({ kind: z.literal('file'), name: recordingNameSchema }),
  /** A meter's archived buckets straight from S3 (read only), the readings with from ≤ timestamp ≤ to (Unix seconds). */
  z.strictObject({ kind: z.literal('archive'), deviceId: deviceIdSchema, from: unixSeconds, to: unixSeconds }),
]);
export type ReplaySource = z.infer<typeof replaySourceSchema>;

export const REPLAY_KEY_TARGETS = ['prefix', 'live'] as const;
export type ReplayKeyTarget = (typeof REPLAY_KEY_TARGETS)[number];

const speed = z.number().min(1, { message: 'must be at least 1 (the original pace)' }).max(MAX_REPLAY_SPEED, { message: `must be at most ${MAX_REPLAY_SPEED}` });

/** POST /api/replay */
export const replayStartSchema = z
  .strictObject({
    source: replaySourceSchema,
    /** Times the original pace. */
    speed: speed.default(1),
    /** Start again from the beginning at the end, until stopped. */
    loop: z.boolean().default(false),
    /** prefix: ingest writes the replayed readings under the replay key prefix (the default), never mixed with live data; live: into the live keys. */
    keys: z.enum(REPLAY_KEY_TARGETS).default('prefix'),
  })
  .refine(({ source }) => source.kind !== 'archive' || source.from <= source.to, { message: 'from is after to', path: ['source', 'from'] });
export type ReplayStart = z.input<typeof replayStartSchema>;
export type ReplayRequest = z.output<typeof replayStartSchema>;

/** POST /api/replay/control */
export const replayCommandSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('pause') }),
  z.strictObject({ action: z.literal('resume') }),
  z.strictObject({ action: z.literal('stop') }),
  /** To an emulated time (ms since epoch) or to a fraction of the span (0 = start, 1 = end): exactly one. */
  z
    .strictObject({ action: z.literal('seek'), time: z.number().optional(), fraction: z.number().min(0).max(1).optional() })
    .refine((seek) => (seek.time === undefined) !== (seek.fraction === undefined), { message: 'give either time or fraction', path: ['time'] }),
  z.strictObject({ action: z.literal('configure'), speed: speed.optional(), loop: z.boolean().optional() }),
]);
export type ReplayCommand = z.infer<typeof replayCommandSchema>;

export const REPLAY_STATES = ['idle', 'preparing', 'playing', 'paused', 'finished', 'stopped', 'failed'] as const;
export type ReplayState = (typeof REPLAY_STATES)[number];

/** At most this many skipped lines are listed (all are counted). */
export const LISTED_SKIPPED_LINES = 50;

export const skippedLineSchema = z.object({
  /** 1-based line number in the file. */
  line: z.number(),
  reason: z.enum(REPLAY_SKIP_REASONS),
  detail: z.string(),
});
export type SkippedLine = z.infer<typeof skippedLineSchema>;

export const badBucketSchema = z.object({
  /** Unix seconds. */
  bucketStart: z.number(),
  objectKey: z.string(),
  reason: z.string(),
});
export type BadBucket = z.infer<typeof badBucketSchema>;

/** GET /api/replay: the replay running, or the last one. */
export const replayStatusSchema = z.object({
  state: z.enum(REPLAY_STATES),
  source: replaySourceSchema.nullable(),
  /** The source in words: "recording r1 (3.2 MiB)", "meter D704206000001 from S3, 2026-11-01 … 2026-11-07". */
  sourceLabel: z.string().nullable(),
  keys: z.enum(REPLAY_KEY_TARGETS),
  /** The configured replay key prefix (what `keys: prefix` writes under). */
  keyPrefix: z.string(),
  /** Where it publishes: the bundled broker, or another (scale-out) broker. */
  target: z.string().nullable(),
  speed: z.number(),
  loop: z.boolean(),
  /** Times it came to the end and started again. */
  loops: z.number(),
  /** The span replayed, original times (ms since epoch); null before it is known. */
  startTime: z.number().nullable(),
  endTime: z.number().nullable(),
  /** Where the replay is in the original time (ms since epoch). */
  emulatedTime: z.number().nullable(),
  /** 0 … 1 of the span. */
  progress: z.number(),
  /** Messages published, and of those taken by the broker (for QoS 1: written by ingest); this pass plus earlier loops. */
  published: z.number(),
  acknowledged: z.number(),
  /** Messages one pass publishes; null when only known at the end (an archive range). */
  total: z.number().nullable(),
  /** Messages published per second over the last seconds. */
  ratePerSecond: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  skipped: z.object({
    total: z.number(),
    byReason: z.record(z.enum(REPLAY_SKIP_REASONS), z.number()),
    /** The first LISTED_SKIPPED_LINES, in file order. */
    lines: z.array(skippedLineSchema),
  }),
  /** Archived buckets that could not be read (corrupt, missing, S3 failing): named, and the rest replayed. */
  badBuckets: z.array(badBucketSchema),
  error: z.string().nullable(),
});
export type ReplayStatus = z.infer<typeof replayStatusSchema>;

/** No replay has run yet in this process. */
export function idleReplayStatus(keyPrefix: string): ReplayStatus {
  return {
    state: 'idle',
    source: null,
    sourceLabel: null,
    keys: 'prefix',
    keyPrefix,
    target: null,
    speed: 1,
    loop: false,
    loops: 0,
    startTime: null,
    endTime: null,
    emulatedTime: null,
    progress: 0,
    published: 0,
    acknowledged: 0,
    total: null,
    ratePerSecond: 0,
    startedAt: null,
    endedAt: null,
    skipped: { total: 0, byReason: noSkipsByReason(), lines: [] },
    badBuckets: [],
    error: null,
  };
}

/** POST /api/replay/clear: every key under the replay key prefix deleted (never a live key). */
export const replayKeysClearedSchema = z.object({
  keyPrefix: z.string(),
  deleted: z.number(),
  /** What redis-cli would do the same with. */
  command: z.string(),
});
export type ReplayKeysCleared = z.infer<typeof replayKeysClearedSchema>;
