import { z } from 'zod';
import { METER_CHANNELS, type MeterReadingBody } from '../model/meter-reading.js';
import { parseJsonPayload, reject, rejectionFromIssues, type ParseResult } from './json-payload.js';
import { DEVICE_ID_PATTERN } from './thermostat-payload.js';

const channels = z.array(z.number()).length(METER_CHANNELS);
const nonNegativeChannels = z.array(z.number().min(0)).length(METER_CHANNELS);

/** Readings that arrive in one payload; a day of 5-minute readings is 288. */
export const MAX_READINGS_PER_PAYLOAD = 1000;

/**
 * One reading in the source document's structure. Unknown fields are kept (a newer meter firmware
 * may add some) and stored as sent; the payload size limit bounds them.
 */
export const meterReadingSchema = z
  .looseObject({
    eReal: channels,
    eRealNegative: nonNegativeChannels,
    eRealPositive: nonNegativeChannels,
    eReactive: channels,
    eReactiveNegative: nonNegativeChannels,
    eReactivePositive: nonNegativeChannels,
    vRMSMin: nonNegativeChannels,
    vRMSMax: nonNegativeChannels,
    iRMSMin: nonNegativeChannels,
    iRMSMax: nonNegativeChannels,
    /** Unix seconds, 2000-01-01 … 2100-01-01. */
    timestamp: z.int().min(946_684_800).max(4_102_444_800),
    duration: z.int().min(1).max(86_400),
  })
  .superRefine((reading, context) => {
    for (const [min, max] of [['vRMSMin', 'vRMSMax'], ['iRMSMin', 'iRMSMax']] as const) {
      const channel = reading[min].findIndex((value, index) => value > reading[max][index]!);
      if (channel >= 0) context.addIssue({ code: 'custom', path: [min, channel], message: `is greater than ${max}[${channel}]` });
    }
  });

export const meterDeviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' });

const readingsSchema = z.array(meterReadingSchema).min(1).max(MAX_READINGS_PER_PAYLOAD);

/** Over UDP one datagram names its meter: {"deviceId": "D704206006772", "readings": [ … ]}. */
export const meterDatagramSchema = z.strictObject({ deviceId: meterDeviceIdSchema, readings: readingsSchema });

export interface MeterPayload {
  deviceId: string;
  readings: MeterReadingBody[];
}

/** MQTT `meters/<deviceId>/energy` carries the document's JSON array; the id comes from the topic. */
export function parseMeterMqttPayload(topic: string, payload: Buffer, maxBytes: number): ParseResult<MeterPayload> {
  const deviceId = meterIdFromTopic(topic);
  if (deviceId === null) return reject('unknown-topic', `${topic}: expected meters/<deviceId>/energy with an id of A-Z a-z 0-9 _ . -`);
  const json = parseJsonPayload(payload, maxBytes);
  if (!json.ok) return json;
  const result = readingsSchema.safeParse(json.value);
  if (!result.success) return rejectionFromIssues(result.error.issues, json.value, 'meter readings');
  return { ok: true, value: { deviceId, readings: result.data as MeterReadingBody[] } };
}

export function parseMeterDatagram(datagram: Buffer, maxBytes: number): ParseResult<MeterPayload> {
  const json = parseJsonPayload(datagram, maxBytes);
  if (!json.ok) return json;
  const result = meterDatagramSchema.safeParse(json.value);
  if (!result.success) return rejectionFromIssues(result.error.issues, json.value, 'meter datagram');
  return { ok: true, value: { deviceId: result.data.deviceId, readings: result.data.readings as MeterReadingBody[] } };
}

export const METER_TOPIC_FILTER = 'meters/+/energy';

function meterIdFromTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'meters' || parts[2] !== 'energy') return null;
  return DEVICE_ID_PATTERN.test(parts[1]!) ? parts[1]! : null;
}
