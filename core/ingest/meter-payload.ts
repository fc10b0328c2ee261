import { z } from 'zod';
import type { MeterChannelField, MeterReadingBody } from '../model/meter-reading.js';
import { arrayObjectTexts, nextNonSpace, topLevelValueStart } from './json-array-elements.js';
import { decodeJsonPayload, reject, rejectionFromIssues, type ParseResult } from './json-payload.js';
import { DEVICE_ID_PATTERN } from '../domain/device.js';

const value = z.number();
/** Tuples rather than arrays with a length check, and plain loops for the per-channel rules below: measured 2-3× cheaper per reading in zod 4. */
const channels = z.tuple([value, value, value, value, value, value]);

/** Series that count energy, volts or amps: never negative. */
const NON_NEGATIVE_FIELDS = [
  'eRealNegative',
  'eRealPositive',
  'eReactiveNegative',
  'eReactivePositive',
  'vRMSMin',
  'vRMSMax',
  'iRMSMin',
  'iRMSMax',
] as const satisfies readonly MeterChannelField[];
const MIN_MAX_PAIRS = [
  ['vRMSMin', 'vRMSMax'],
  ['iRMSMin', 'iRMSMax'],
] as const;

/** Readings that arrive in one payload; a day of 5-minute readings is 288. */
export const MAX_READINGS_PER_PAYLOAD = 1000;

/**
 * One reading in the source document's structure. Unknown fields are kept (a newer meter firmware
 * may add some) and stored as sent; the payload size limit bounds them.
 */
export const meterReadingSchema = z
  .looseObject({
    eReal: channels,
    eRealNegative: channels,
    eRealPositive: channels,
    eReactive: channels,
    eReactiveNegative: channels,
    eReactivePositive: channels,
    vRMSMin: channels,
    vRMSMax: channels,
    iRMSMin: channels,
    iRMSMax: channels,
    /** Unix seconds, 2000-01-01 … 2100-01-01. */
    timestamp: z.int().min(946_684_800).max(4_102_444_800),
    duration: z.int().min(1).max(86_400),
  })
  .check((context) => {
    const reading = context.value;
    for (const field of NON_NEGATIVE_FIELDS) {
      const channel = reading[field].findIndex((measured) => measured < 0);
      if (channel >= 0) {
        context.issues.push({ code: 'too_small', origin: 'number', minimum: 0, inclusive: true, path: [field, channel], message: 'must be >= 0', input: reading[field][channel] });
      }
    }
    for (const [min, max] of MIN_MAX_PAIRS) {
      const channel = reading[min].findIndex((measured, index) => measured > reading[max][index]!);
      if (channel >= 0) context.issues.push({ code: 'custom', path: [min, channel], message: `is greater than ${max}[${channel}]`, input: reading[min][channel] });
    }
  });

export const meterDeviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' });

const readingsSchema = z.array(meterReadingSchema).min(1).max(MAX_READINGS_PER_PAYLOAD);

/** Over UDP one datagram names its meter: {"deviceId": "D704206006772", "readings": [ … ]}. */
export const meterDatagramSchema = z.strictObject({ deviceId: meterDeviceIdSchema, readings: readingsSchema });

export interface MeterPayload {
  deviceId: string;
  /**
   * The readings as parsed from the payload, not zod's copies: the schema transforms nothing, and
   * re-serialising the originals keeps the device's key order and extra fields in the stored JSON.
   */
  readings: MeterReadingBody[];
  /** Each reading as one line of JSON to store: its text as sent, or re-serialised when that spans lines. */
  texts: string[];
}

/** MQTT `meters/<deviceId>/energy` carries the document's JSON array; the id comes from the topic. */
export function parseMeterMqttPayload(topic: string, payload: Buffer, maxBytes: number): ParseResult<MeterPayload> {
  const deviceId = meterIdFromTopic(topic);
  if (deviceId === null) return reject('unknown-topic', `${topic}: expected meters/<deviceId>/energy with an id of A-Z a-z 0-9 _ . -`);
  const json = decodeJsonPayload(payload, maxBytes);
  if (!json.ok) return json;
  const { text, value } = json.value;
  const result = readingsSchema.safeParse(value);
  if (!result.success) return rejectionFromIssues(result.error.issues, value, 'meter readings');
  const readings = value as MeterReadingBody[];
  return { ok: true, value: { deviceId, readings, texts: readingTexts(text, nextNonSpace(text, 0), readings) } };
}

export function parseMeterDatagram(datagram: Buffer, maxBytes: number): ParseResult<MeterPayload> {
  const json = decodeJsonPayload(datagram, maxBytes);
  if (!json.ok) return json;
  const { text, value } = json.value;
  const result = meterDatagramSchema.safeParse(value);
  if (!result.success) return rejectionFromIssues(result.error.issues, value, 'meter datagram');
  const { readings } = value as { readings: MeterReadingBody[] };
  return { ok: true, value: { deviceId: result.data.deviceId, readings, texts: readingTexts(text, topLevelValueStart(text, 'readings'), readings) } };
}

function meterIdFromTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'meters' || parts[2] !== 'energy') return null;
  return DEVICE_ID_PATTERN.test(parts[1]!) ? parts[1]! : null;
}

/**
 * The readings' own text when it can be cut out of the payload cleanly (one object per reading, no
 * line breaks, which NDJSON cannot hold); otherwise JSON.stringify of the parsed reading.
 */
function readingTexts(text: string, arrayStart: number, readings: readonly MeterReadingBody[]): string[] {
  const texts = arrayStart >= 0 && text[arrayStart] === '[' ? arrayObjectTexts(text, arrayStart) : [];
  if (texts.length !== readings.length) return readings.map((reading) => JSON.stringify(reading));
  return texts.map((readingText, index) => (/[\r\n]/.test(readingText) ? JSON.stringify(readings[index]) : readingText));
}
