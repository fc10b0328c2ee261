import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import { ENERGY_SOURCES } from '../domain/energy.js';
import { pageSize, wholeNumber } from './query-params.js';

/** Smart meters: the meter list, energy series and readings, the meter emulator. */

/** One meter from `<ns>:meters` and its device hash `<ns>:devices:<deviceId>`. */
export const METER_TRANSPORTS = ['udp', 'mqtt'] as const;

export const meterSummarySchema = z.object({
  deviceId: z.string(),
  /** ms since epoch when the workbench last took a reading of it. */
  lastSeen: z.number(),
  firstSeen: z.number().nullable(),
  readings: z.number(),
  transport: z.enum(METER_TRANSPORTS).nullable(),
  /** ZCARD of its bucket index and of its archived-bucket index. */
  buckets: z.number(),
  archivedBuckets: z.number(),
});
export type MeterSummary = z.infer<typeof meterSummarySchema>;

export const metersQuery = z.object({ limit: pageSize(10_000, 200) });

/** GET /api/meters?limit=n: most recently seen first. */
export const meterListSchema = z.object({ meters: z.array(meterSummarySchema), total: z.number() });
export type MeterList = z.infer<typeof meterListSchema>;

export const energyBucketReadSchema = z.object({
  /** Unix seconds. */
  bucketStart: z.number(),
  source: z.enum(ENERGY_SOURCES),
  readings: z.number(),
  /** Why this bucket could not be read (S3 down, object corrupt or missing); the rest of the answer stands. */
  error: z.string().nullable(),
  /** True when the S3 part came from the cache of decompressed objects. */
  cached: z.boolean(),
});
export type EnergyBucketRead = z.infer<typeof energyBucketReadSchema>;

/** Sums over one interval of a series: Wh over the six channels. */
export const energyPointSchema = z.object({
  /** Interval start, Unix seconds. */
  t: z.number(),
  eReal: z.number(),
  eRealPositive: z.number(),
  eRealNegative: z.number(),
  readings: z.number(),
});
export type EnergyPoint = z.infer<typeof energyPointSchema>;

export const meterParams = z.object({ deviceId: deviceIdSchema });
const unixSeconds = wholeNumber().min(0).max(4_102_444_800);
// Shapes only: the ranges, interval and point limits are EnergyQuery's own checks.
export const energySeriesQuery = z.object({ from: unixSeconds, to: unixSeconds, interval: wholeNumber() });
export const energyReadingsQuery = z.object({ from: unixSeconds, to: unixSeconds, limit: wholeNumber().default(500) });

/** GET /api/meters/:deviceId/energy?from=s&to=s&interval=s */
export const energySeriesSchema = z.object({
  deviceId: z.string(),
  from: z.number(),
  to: z.number(),
  intervalSeconds: z.number(),
  points: z.array(energyPointSchema),
  buckets: z.array(energyBucketReadSchema),
  readings: z.number(),
  /** Readings found in both Redis and S3 (same timestamp) and returned once. */
  duplicatesDropped: z.number(),
  tookMs: z.number(),
});
export type EnergySeries = z.infer<typeof energySeriesSchema>;

/** GET /api/meters/:deviceId/readings?from=s&to=s&limit=n: the readings themselves, oldest first. */
export const energyReadingsSchema = z.object({
  deviceId: z.string(),
  /** Each reading as the meter sent it, whatever its fields besides the timestamp. */
  readings: z.array(z.looseObject({ timestamp: z.number() })),
  truncated: z.boolean(),
  buckets: z.array(energyBucketReadSchema),
  duplicatesDropped: z.number(),
});
export type EnergyReadings = z.infer<typeof energyReadingsSchema>;

export const meterEmulatorStatusSchema = z.object({
  running: z.boolean(),
  meters: z.number(),
  transport: z.enum(METER_TRANSPORTS),
  intervalSeconds: z.number(),
  speed: z.number(),
  /** The emulated clock (ms since epoch); it runs `speed` times faster until it reaches real time. */
  emulatedNow: z.number(),
  /** True once the emulated clock has caught up and runs at real time. */
  caughtUp: z.boolean(),
  sent: z.number(),
  /** Readings per second being sent now. */
  ratePerSec: z.number(),
  sendErrors: z.number(),
  lastError: z.string().nullable(),
});
export type MeterEmulatorStatus = z.infer<typeof meterEmulatorStatusSchema>;

export const meterEmulatorCommandSchema = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  meters: z.int().min(1).max(1_000_000).optional(),
  speed: z.number().min(1).max(1_000_000).optional(),
  historyDays: z.number().min(0).max(366).optional(),
  transport: z.enum(METER_TRANSPORTS).optional(),
});
export type MeterEmulatorCommand = z.infer<typeof meterEmulatorCommandSchema>;
