import { isUtf8 } from 'node:buffer';
import type { ReplaySkipReason } from '../domain/replay.js';
import { topicNameProblem } from '../domain/topic-filter.js';
import { THERMOSTAT_TOPIC } from '../domain/topics.js';

/**
 * One line of a replay file, both ways. A recording's line is one message the broker delivered:
 *
 *   {"time":1762092309123,"topic":"temp_readings","qos":1,"retain":false,"clientId":"d-7","encoding":"utf8","payload":"{\"deviceId\":7,…}"}
 *
 * `time` in ms since epoch, the payload as text when it is valid UTF-8, else `"encoding":"base64"`.
 * A replay also takes the rows of an events export (GET /api/export/events?format=ndjson, one
 * SensorData entry with its device hash's fields): each becomes the thermostat reading a device
 * would publish on temp_readings, at the entry's time.
 */

/** A message to publish again, at `time` of the original timeline (ms since epoch). */
export interface ReplayMessage {
  time: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** The recording line of one delivered message, newline included. */
export function recordedLine(time: number, topic: string, qos: number, retain: boolean, clientId: string | null, payload: Buffer | string): string {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const text = isUtf8(bytes);
  const body = text ? JSON.stringify(bytes.toString('utf8')) : `"${bytes.toString('base64')}"`;
  return `{"time":${time},"topic":${JSON.stringify(topic)},"qos":${qos},"retain":${retain},"clientId":${clientId === null ? 'null' : JSON.stringify(clientId)},"encoding":"${text ? 'utf8' : 'base64'}","payload":${body}}\n`;
}

export interface LineChecks {
  /** Larger payloads are skipped as oversize: the broker would refuse them (and drop the connection). */
  maxPayloadBytes: number;
  /** Why the pipeline does not know `topic` (no topic rule writes it), or null when it does. */
  unknownTopic(topic: string): string | null;
}

export type ParsedLine = { ok: true; message: ReplayMessage } | { ok: false; reason: ReplaySkipReason; detail: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A line's message, or why it is skipped; `text` is the line without its newline. */
export function parseReplayLine(text: string, checks: LineChecks): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return skip('bad-json', (error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return skip('bad-json', 'the line is JSON but not an object');
  const fields = value as Record<string, unknown>;
  const parsed = 'topic' in fields ? recordedMessage(fields) : 'deviceId' in fields && 'temperature' in fields ? exportedReading(fields) : notAMessage();
  if (!parsed.ok) return parsed;
  const { message } = parsed;
  const topicProblem = topicNameProblem(message.topic) ?? (message.topic.startsWith('$') ? 'a "$" topic is the broker\'s own' : null) ?? checks.unknownTopic(message.topic);
  if (topicProblem !== null) return skip('unknown-topic', `${JSON.stringify(message.topic.slice(0, 200))}: ${topicProblem}`);
  if (message.payload.length > checks.maxPayloadBytes) {
    return skip('oversize', `the payload is ${message.payload.length} bytes, more than the broker takes (${checks.maxPayloadBytes}, --mqtt-max-payload)`);
  }
  return parsed;
}

function recordedMessage(fields: Record<string, unknown>): ParsedLine {
  const { time, topic, payload, encoding = 'utf8', qos = 0, retain = false } = fields;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) return skip('not-a-message', 'time must be a number of ms since epoch');
  if (typeof topic !== 'string') return skip('not-a-message', 'topic must be a string');
  if (typeof payload !== 'string') return skip('not-a-message', 'payload must be a string');
  if (qos !== 0 && qos !== 1 && qos !== 2) return skip('not-a-message', 'qos must be 0, 1 or 2');
  if (typeof retain !== 'boolean') return skip('not-a-message', 'retain must be true or false');
  if (encoding !== 'utf8' && encoding !== 'base64') return skip('not-a-message', 'encoding must be utf8 or base64');
  if (encoding === 'base64' && (payload.length % 4 !== 0 || !BASE64.test(payload))) return skip('not-a-message', 'the payload is not base64');
  return { ok: true, message: { time, topic, qos, retain, payload: Buffer.from(payload, encoding) } };
}

/**
 * An events-export row {deviceId, score, temperature, humidity, climate, deviceIP, timestamp,
 * requestId} (the hash's fields are strings): published as the device sent it — without a
 * timestamp, so ingest stamps it on arrival as it did the original and the dashboards move now.
 */
function exportedReading(fields: Record<string, unknown>): ParsedLine {
  const time = finite(fields.timestamp) ?? finite(fields.score);
  if (time === null || time < 0) return skip('not-a-message', 'an events-export row needs its score or timestamp (ms since epoch)');
  const { deviceId, deviceIP } = fields;
  const temperature = finite(fields.temperature);
  const humidity = finite(fields.humidity);
  if ((typeof deviceId !== 'string' && typeof deviceId !== 'number') || temperature === null || humidity === null || typeof deviceIP !== 'string') {
    return skip('not-a-message', 'an events-export row needs deviceId, temperature, humidity and deviceIP');
  }
  const payload = `{"deviceId":${JSON.stringify(deviceId)},"temperature":${temperature},"deviceIP":${JSON.stringify(deviceIP)},"humidity":${humidity}}`;
  return { ok: true, message: { time, topic: THERMOSTAT_TOPIC, qos: 1, retain: false, payload: Buffer.from(payload) } };
}

function notAMessage(): ParsedLine {
  return skip('not-a-message', 'neither a recorded message (time, topic, payload) nor an events-export row (deviceId, score, temperature, …)');
}

/** A number, or the text of one as a hash field holds it. */
function finite(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : null;
}

function skip(reason: ReplaySkipReason, detail: string): ParsedLine {
  return { ok: false, reason, detail };
}
