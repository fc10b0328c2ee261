import { z } from 'zod';
import type { ClimateName } from '../domain/climate.js';
import { decimalCursor, pageSize } from './query-params.js';

/** The thermostat read side: SensorData events, device hashes, climate counters, warnings, dead letters, the data model. */

/** One SensorData entry: ZSET member and score. */
export interface SensorEvent {
  deviceId: string;
  /** The score: reading timestamp, ms since epoch. */
  timestamp: number;
}

export const recentEventsQuery = z.object({ limit: pageSize(1000, 24) });

/** GET /api/events?limit=24 (ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 limit). */
export interface RecentEvents {
  events: SensorEvent[];
  /** ZCARD SensorData. */
  total: number;
  command: string;
}

const score = z.coerce.number<number>({ message: 'must be a number (ms since epoch)' });
export const eventRangeQuery = z.object({ from: score, to: score, limit: pageSize(10_000, 100) });

/** GET /api/events/range?from=ms&to=ms&limit=n (ZRANGEBYSCORE, oldest first). */
export interface EventRange {
  events: SensorEvent[];
  /** True when more than `limit` entries fall in the range. */
  truncated: boolean;
  command: string;
}

export const eventSearchQuery = z.object({ match: z.string().min(1).max(256), cursor: decimalCursor(), count: pageSize(10_000, 100) });

/** GET /api/events/search?match=2*&cursor=0&count=100 (one ZSCAN step). */
export interface EventSearch {
  events: SensorEvent[];
  /** "0" when the scan is complete; pass it back for the next step. */
  cursor: string;
  command: string;
}

export const deviceDetailParams = z.object({ deviceId: z.string().min(1).max(256) });

/** GET /api/devices/:deviceId (HGETALL <deviceId>). Fields are empty when the device is unknown. */
export interface DeviceDetail {
  deviceId: string;
  fields: Record<string, string>;
  command: string;
}

/** GET /api/climate (GET climate:<name> for each). */
export interface ClimateCounters {
  counters: Record<ClimateName, number>;
  at: number;
}

/** One message from the Warnings channel, as published plus when the workbench received it. */
export interface WarningMessage {
  deviceId: string;
  temperature: number;
  timestamp: number;
  requestId: string;
  receivedAt: number;
}

export const rejectedQuery = z.object({ limit: pageSize(10_000, 100) });

/** GET /api/rejected?limit=100: the dead-letter list (LRANGE) and counts by reason (HGETALL). */
export interface RejectedPayloads {
  letters: Array<{
    at: number;
    topic: string;
    clientId: string | null;
    reason: string;
    detail: string;
    payload: string;
    payloadBytes: number;
  }>;
  countsByReason: Record<string, number>;
  total: number;
}

/** One key pattern the pipeline writes, with how big it is now and how fast it grows. */
export interface ModelEntry {
  pattern: string;
  /** Redis type: zset, hash, string, list, channel. */
  type: string;
  /** What the size is: "members" (ZCARD), "keys" (matching hashes), "value" (counter), "entries" (LLEN), "subscribers". */
  sizeUnit: string;
  size: number;
  /** Change of size per second over the last sampling interval; null until two samples exist. */
  growthPerSec: number | null;
  /** The command that writes it, as the batch script issues it. */
  writtenBy: string;
  /** A redis-cli command to look at it. */
  inspect: string;
}

/** GET /api/model */
export interface DataModel {
  entries: ModelEntry[];
  /** DBSIZE */
  totalKeys: number;
  usedMemoryBytes: number | null;
  at: number;
}
