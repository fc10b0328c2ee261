import { z } from 'zod';
import { parseJsonPayload, rejectionFromIssues, type ParseResult } from './json-payload.js';
import { DEVICE_ID_PATTERN } from '../domain/device.js';

/**
 * A device id becomes a Redis key on its own (the source document's per-device hash), so it must not
 * contain ':' (which would let it land in climate:* or workbench:*) nor be the SensorData key itself.
 */
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
  return rejectionFromIssues(result.error.issues, json.value, 'thermostat');
}
