import { z } from 'zod';
import { decodeJsonPayload, reject, rejectionFromIssues, type ParseResult } from './json-payload.js';

/** A hash this wide is a mistake in the device, not a reading; Redis would take it, the UI could not show it. */
export const MAX_HASH_FIELDS = 1000;
const MAX_FIELD_NAME_CHARS = 256;

const jsonObjectSchema = z.record(z.string(), z.unknown());

/**
 * A JSON object payload as HSET's field/value pairs: strings as they are, numbers and booleans as
 * their JSON text, null as the empty string, nested objects and arrays as their JSON text.
 */
export function parseJsonHashPayload(payload: Buffer, maxBytes: number): ParseResult<string[]> {
  const decoded = decodeJsonPayload(payload, maxBytes);
  if (!decoded.ok) return decoded;
  const { value } = decoded.value;
  const parsed = jsonObjectSchema.safeParse(value);
  if (!parsed.success) return rejectionFromIssues(parsed.error.issues, value, 'JSON object');
  const entries = Object.entries(parsed.data);
  if (entries.length === 0) return reject('invalid-value', '(payload): an empty object has no fields to store');
  if (entries.length > MAX_HASH_FIELDS) return reject('out-of-range', `(payload): ${entries.length} fields, the limit is ${MAX_HASH_FIELDS}`);
  const fields: string[] = [];
  for (const [name, field] of entries) {
    if (name.length === 0) return reject('invalid-value', '(payload): a field name may not be empty');
    if (name.length > MAX_FIELD_NAME_CHARS) return reject('out-of-range', `${name.slice(0, 32)}…: a field name may have at most ${MAX_FIELD_NAME_CHARS} characters`);
    fields.push(name, hashValue(field));
  }
  return { ok: true, value: fields };
}

function hashValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return JSON.stringify(value);
}
