import { z } from 'zod';
import { CLIMATE_NAMES } from '../domain/climate.js';
import { decimalCursor, pageSize } from './query-params.js';

/** The thermostat read side: SensorData events, device hashes, climate counters, warnings, dead letters, the data model. */

/** One SensorData entry: ZSET member and score. */
export const sensorEventSchema = z.object({
  deviceId: z.string(),
  /** The score: reading timestamp, ms since epoch. */
  timestamp: z.number(),
});
export type SensorEvent = z.infer<typeof sensorEventSchema>;

export const recentEventsQuery = z.object({ limit: pageSize(1000, 24) });

/** GET /api/events?limit=24 (ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 limit). */
export const recentEventsSchema = z.object({
  events: z.array(sensorEventSchema),
  /** ZCARD SensorData. */
  total: z.number(),
  command: z.string(),
});
export type RecentEvents = z.infer<typeof recentEventsSchema>;

const score = z.coerce.number<number>({ message: 'must be a number (ms since epoch)' });
export const eventRangeQuery = z.object({ from: score, to: score, limit: pageSize(10_000, 100) });

/** GET /api/events/range?from=ms&to=ms&limit=n (ZRANGEBYSCORE, oldest first). */
export const eventRangeSchema = z.object({
  events: z.array(sensorEventSchema),
  /** True when more than `limit` entries fall in the range. */
  truncated: z.boolean(),
  command: z.string(),
});
export type EventRange = z.infer<typeof eventRangeSchema>;

export const eventSearchQuery = z.object({ match: z.string().min(1).max(256), cursor: decimalCursor(), count: pageSize(10_000, 100) });

/** GET /api/events/search?match=2*&cursor=0&count=100 (one ZSCAN step). */
export const eventSearchSchema = z.object({
  events: z.array(sensorEventSchema),
  /** "0" when the scan is complete; pass it back for the next step. */
  cursor: z.string(),
  command: z.string(),
});
export type EventSearch = z.infer<typeof eventSearchSchema>;

export const deviceDetailParams = z.object({ deviceId: z.string().min(1).max(256) });

/** GET /api/devices/:deviceId (HGETALL <deviceId>). Fields are empty when the device is unknown. */
export const deviceDetailSchema = z.object({
  deviceId: z.string(),
  fields: z.record(z.string(), z.string()),
  command: z.string(),
});
export type DeviceDetail = z.infer<typeof deviceDetailSchema>;

/** GET /api/climate (GET climate:<name> for each). */
export const climateCountersSchema = z.object({
  counters: z.record(z.enum(CLIMATE_NAMES), z.number()),
  at: z.number(),
});
export type ClimateCounters = z.infer<typeof climateCountersSchema>;

/** One message from the Warnings channel, as published plus when the workbench received it. */
export const warningMessageSchema = z.object({
  deviceId: z.string(),
  temperature: z.number(),
  timestamp: z.number(),
  requestId: z.string(),
  receivedAt: z.number(),
});
export type WarningMessage = z.infer<typeof warningMessageSchema>;

export const rejectedQuery = z.object({ limit: pageSize(10_000, 100) });

/** GET /api/rejected?limit=100: the dead-letter list (LRANGE) and counts by reason (HGETALL). */
export const rejectedPayloadsSchema = z.object({
  letters: z.array(
    z.object({
      at: z.number(),
      topic: z.string(),
      clientId: z.string().nullable(),
      reason: z.string(),
      detail: z.string(),
      payload: z.string(),
      payloadBytes: z.number(),
    }),
  ),
  countsByReason: z.record(z.string(), z.number()),
  total: z.number(),
});
export type RejectedPayloads = z.infer<typeof rejectedPayloadsSchema>;

/** One key pattern the pipeline writes, with how big it is now and how fast it grows. */
export const modelEntrySchema = z.object({
  pattern: z.string(),
  /** Redis type: zset, hash, string, list, channel. */
  type: z.string(),
  /** What the size is: "members" (ZCARD), "keys" (matching hashes), "value" (counter), "entries" (LLEN), "subscribers". */
  sizeUnit: z.string(),
  /** null: not countable with O(1) commands (one key per interval, or per device). */
  size: z.number().nullable(),
  /** Change of size per second over the last sampling interval; null until two samples exist. */
  growthPerSec: z.number().nullable(),
  /** The command that writes it, as the batch script issues it. */
  writtenBy: z.string(),
  /** A redis-cli command to look at it. */
  inspect: z.string(),
});
export type ModelEntry = z.infer<typeof modelEntrySchema>;

/** GET /api/model */
export const dataModelSchema = z.object({
  entries: z.array(modelEntrySchema),
  /** DBSIZE */
  totalKeys: z.number(),
  usedMemoryBytes: z.number().nullable(),
  at: z.number(),
});
export type DataModel = z.infer<typeof dataModelSchema>;
