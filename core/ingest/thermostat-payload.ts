import { z } from 'zod';
import type { Rejection, RejectionReason } from './rejection.js';

/**
 * A device id becomes a Redis key on its own (the source document's per-device hash), so it must not
 * contain ':' (which would let it land in climate:* or workbench:*) nor be the SensorData key itself.
 */
const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const RESERVED_DEVICE_IDS = new Set(['SensorData']);

const deviceIdSchema = z.union([
  z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(DEVICE_ID_PATTERN, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' })
    .refine((id) => !RESERVED_DEVICE_IDS.has(id), { message: 'is a reserved key name' }),
]);

export const thermostatPayloadSchema = z.object({
  deviceId: deviceIdSchema,
  temperature: z.number().min(-150).max(300),
  humidity: z.number().min(0).max(100),
  deviceIP: z.union([z.ipv4(), z.ipv6()]),
  /** Optional device clock in ms since epoch; readings without it are stamped on arrival, as the document's Lambda does. */
  timestamp: z.int().min(946_684_800_000).max(4_102_444_800_000).optional(),
});

/** A validated reading with its device id normalised to the string used in Redis. */
export type ThermostatPayload = Omit<z.output<typeof thermostatPayloadSchema>, 'deviceId'> & { deviceId: string };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function parseJsonPayload(payload: Buffer, maxBytes: number): ParseResult<unknown> {
  if (payload.length > maxBytes) {
    return reject('too-large', `payload is ${payload.length} bytes, the limit is ${maxBytes}`);
  }
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) };
  } catch (error) {
    return reject('not-json', (error as Error).message);
  }
}

export function parseThermostatPayload(payload: Buffer, maxBytes: number): ParseResult<ThermostatPayload> {
  const json = parseJsonPayload(payload, maxBytes);
  if (!json.ok) return json;
  const result = thermostatPayloadSchema.safeParse(json.value);
  if (result.success) {
    // zod's output is a fresh object: normalise the id in place rather than copy it per reading.
    const data = result.data as ThermostatPayload & { deviceId: string | number };
    data.deviceId = String(data.deviceId);
    return { ok: true, value: data };
  }
  const issue = result.error.issues[0];
  if (!issue) return reject('invalid-value', 'payload did not match the thermostat schema');
  const field = issue.path.join('.') || '(payload)';
  const reason = reasonFor(issue, json.value);
  return reject(reason, reason === 'missing-field' ? `${field}: required field is missing` : `${field}: ${issue.message}`);
}

function reasonFor(issue: z.core.$ZodIssue, input: unknown): RejectionReason {
  if (issue.code === 'invalid_union' && valueAt(input, issue.path) === undefined) return 'missing-field';
  if (issue.code === 'invalid_union' && issue.errors.every((branch) => branch.every((inner) => inner.code === 'invalid_type'))) {
    return 'wrong-type';
  }
  if (issue.code === 'invalid_type') {
    return valueAt(input, issue.path) === undefined ? 'missing-field' : 'wrong-type';
  }
  if (issue.code === 'too_big' || issue.code === 'too_small') return 'out-of-range';
  return 'invalid-value';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined), input);
}

function reject(reason: RejectionReason, detail: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { reason, detail } };
}
