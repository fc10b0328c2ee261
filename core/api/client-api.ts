import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import { energyReadingsSchema, energySeriesSchema, meterListSchema, meterSummarySchema } from './energy.js';
import { climateCountersSchema, sensorEventSchema } from './events.js';
import { pageSize, wholeNumber } from './query-params.js';
import { route } from './route.js';

/**
 * The client API (`--api-port`): what client apps read with an API key, JSON by default and CSV
 * with `?format=csv`. The server registers exactly these and builds /v1/openapi.json from the same
 * schemas. Times in queries are Unix seconds on every route.
 */

export const RESPONSE_FORMATS = ['json', 'csv'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
const format = z.enum(RESPONSE_FORMATS).default('json');

/** The longest range one request may ask for. */
export const MAX_RANGE_DAYS = 400;
const unixSeconds = wholeNumber({ message: 'must be a whole number of Unix seconds' }).min(0).max(4_102_444_800);

/** from/to in Unix seconds, from ≤ to, at most MAX_RANGE_DAYS apart; the issue names the parameter to fix. */
interface TimeRange {
  from: number;
  to: number;
}
const fromNotAfterTo = z.refine<TimeRange>((range) => range.from <= range.to, { path: ['from'], message: 'from is after to' });
const rangeNotTooLong = z.refine<TimeRange>((range) => range.to - range.from <= MAX_RANGE_DAYS * 86_400, { path: ['to'], message: `the range spans more than ${MAX_RANGE_DAYS} days` });
const range = { from: unixSeconds, to: unixSeconds, format };
export const clientEnergyQuery = z.object({ ...range, interval: wholeNumber().min(1).default(3600) }).check(fromNotAfterTo, rangeNotTooLong);
export const clientReadingsQuery = z.object({ ...range, limit: pageSize(100_000, 500) }).check(fromNotAfterTo, rangeNotTooLong);
export const clientEventsQuery = z.object({ ...range, limit: pageSize(10_000, 100) }).check(fromNotAfterTo, rangeNotTooLong);

const formatOnly = z.object({ format });
const deviceParams = z.object({ deviceId: deviceIdSchema });

export const thermostatSchema = z.object({
  deviceId: z.string(),
  /** The device hash: temperature, deviceIP, humidity, climate, timestamp, requestId. */
  fields: z.record(z.string(), z.string()),
});
export type Thermostat = z.output<typeof thermostatSchema>;

export const clientEventsSchema = z.object({
  /** SensorData entries with from ≤ timestamp/1000 ≤ to, oldest first; timestamp in ms as stored. */
  events: z.array(sensorEventSchema),
  /** True when more than `limit` entries fall in the range. */
  truncated: z.boolean(),
});
export type ClientEvents = z.output<typeof clientEventsSchema>;

export const clientRoutes = {
  meters: route({ method: 'GET', path: '/v1/meters', query: z.object({ limit: pageSize(10_000, 200), format }), response: meterListSchema }),
  meter: route({ method: 'GET', path: '/v1/meters/:deviceId', params: deviceParams, query: formatOnly, response: meterSummarySchema }),
  /** The merged Redis + S3 query; `buckets` says where each bucket came from. */
  meterEnergy: route({
    method: 'GET',
    path: '/v1/meters/:deviceId/energy',
    params: deviceParams,
    query: clientEnergyQuery,
    response: energySeriesSchema,
  }),
  meterReadings: route({
    method: 'GET',
    path: '/v1/meters/:deviceId/readings',
    params: deviceParams,
    query: clientReadingsQuery,
    response: energyReadingsSchema,
  }),
  thermostat: route({ method: 'GET', path: '/v1/thermostats/:deviceId', params: deviceParams, query: formatOnly, response: thermostatSchema }),
  events: route({ method: 'GET', path: '/v1/events', query: clientEventsQuery, response: clientEventsSchema }),
  climate: route({ method: 'GET', path: '/v1/climate', query: formatOnly, response: climateCountersSchema }),
};

export type ClientRoutes = typeof clientRoutes;
export type ClientRouteName = keyof ClientRoutes;

/** Served without a key: the document describing the routes above. */
export const OPENAPI_PATH = '/v1/openapi.json';
