import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import type { EnergySource } from '../domain/energy.js';
import { pageSize, wholeNumber } from './query-params.js';

/** Smart meters: the meter list, energy series and readings, the meter emulator. */

/** One meter from `<ns>:meters` and its device hash `<ns>:devices:<deviceId>`. */
export interface MeterSummary {
  deviceId: string;
  /** ms since epoch when the workbench last took a reading of it. */
  lastSeen: number;
  firstSeen: number | null;
  readings: number;
  transport: 'udp' | 'mqtt' | null;
  /** ZCARD of its bucket index and of its archived-bucket index. */
  buckets: number;
  archivedBuckets: number;
}

export const metersQuery = z.object({ limit: pageSize(10_000, 200) });

/** GET /api/meters?limit=n: most recently seen first. */
export interface MeterList {
  meters: MeterSummary[];
  total: number;
}

export interface EnergyBucketRead {
  /** Unix seconds. */
  bucketStart: number;
  source: EnergySource;
  readings: number;
  /** Why this bucket could not be read (S3 down, object corrupt or missing); the rest of the answer stands. */
  error: string | null;
  /** True when the S3 part came from the cache of decompressed objects. */
  cached: boolean;
}

/** Sums over one interval of a series: Wh over the six channels. */
export interface EnergyPoint {
  /** Interval start, Unix seconds. */
  t: number;
  eReal: number;
  eRealPositive: number;
  eRealNegative: number;
  readings: number;
}

export const meterParams = z.object({ deviceId: deviceIdSchema });
const unixSeconds = wholeNumber().min(0).max(4_102_444_800);
// Shapes only: the ranges, interval and point limits are EnergyQuery's own checks.
export const energySeriesQuery = z.object({ from: unixSeconds, to: unixSeconds, interval: wholeNumber() });
export const energyReadingsQuery = z.object({ from: unixSeconds, to: unixSeconds, limit: wholeNumber().default(500) });

/** GET /api/meters/:deviceId/energy?from=s&to=s&interval=s */
export interface EnergySeries {
  deviceId: string;
  from: number;
  to: number;
  intervalSeconds: number;
  points: EnergyPoint[];
  buckets: EnergyBucketRead[];
  readings: number;
  /** Readings found in both Redis and S3 (same timestamp) and returned once. */
  duplicatesDropped: number;
  tookMs: number;
}

/** GET /api/meters/:deviceId/readings?from=s&to=s&limit=n: the readings themselves, oldest first. */
export interface EnergyReadings {
  deviceId: string;
  readings: Array<Record<string, unknown> & { timestamp: number }>;
  truncated: boolean;
  buckets: EnergyBucketRead[];
  duplicatesDropped: number;
}

export interface MeterEmulatorStatus {
  running: boolean;
  meters: number;
  transport: 'udp' | 'mqtt';
  intervalSeconds: number;
  speed: number;
  /** The emulated clock (ms since epoch); it runs `speed` times faster until it reaches real time. */
  emulatedNow: number;
  /** True once the emulated clock has caught up and runs at real time. */
  caughtUp: boolean;
  sent: number;
  /** Readings per second being sent now. */
  ratePerSec: number;
  sendErrors: number;
  lastError: string | null;
}

export const meterEmulatorCommandSchema = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  meters: z.int().min(1).max(1_000_000).optional(),
  speed: z.number().min(1).max(1_000_000).optional(),
  historyDays: z.number().min(0).max(366).optional(),
  transport: z.enum(['udp', 'mqtt']).optional(),
});
export type MeterEmulatorCommand = z.infer<typeof meterEmulatorCommandSchema>;
