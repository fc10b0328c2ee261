import type { EnergySource } from '../domain/energy.js';

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

export interface MeterEmulatorCommand {
  action: 'start' | 'stop' | 'configure';
  meters?: number;
  speed?: number;
  historyDays?: number;
  transport?: 'udp' | 'mqtt';
}
