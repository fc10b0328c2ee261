import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';

/** Client API keys as the UI manages them: create (the secret shown once), list, change, revoke, usage. */

/** `key_` and 16 hex digits, as the source paper's `apiKeys:key_08f…`. */
export const API_KEY_ID_PATTERN = /^key_[0-9a-f]{16}$/;
export const apiKeyIdSchema = z.string().regex(API_KEY_ID_PATTERN, { message: 'an API key id is key_ and 16 hex digits' });
export const apiKeyParams = z.object({ id: apiKeyIdSchema });

export const API_KEY_LIMIT_MAX = 1_000_000;
const limitPer5s = z.int().min(1).max(API_KEY_LIMIT_MAX);
const keyName = z.string().trim().min(1).max(100);
/** The devices a key may read; null or absent = every device. */
const scopedDevices = z.array(deviceIdSchema).min(1).max(1000);

/** POST /api/api-keys */
export const apiKeyCreateSchema = z.strictObject({
  name: keyName,
  limitPer5s: limitPer5s.default(50),
  devices: scopedDevices.optional(),
});
export type ApiKeyCreate = z.output<typeof apiKeyCreateSchema>;

/** PATCH /api/api-keys/:id: what is left out stays; `devices: null` lifts the scope. */
export const apiKeyUpdateSchema = z.strictObject({
  name: keyName.optional(),
  limitPer5s: limitPer5s.optional(),
  devices: scopedDevices.nullable().optional(),
});
export type ApiKeyUpdate = z.output<typeof apiKeyUpdateSchema>;

export const apiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** ms since epoch. */
  created: z.number(),
  limitPer5s: z.number(),
  /** null = every device. */
  devices: z.array(z.string()).nullable(),
});
export type ApiKeyView = z.output<typeof apiKeyViewSchema>;

/** 201 of POST /api/api-keys: `key` is the secret the client sends, shown this once and stored only as a hash. */
export const apiKeyCreatedSchema = z.object({ id: z.string(), key: z.string(), apiKey: apiKeyViewSchema });
export type ApiKeyCreated = z.output<typeof apiKeyCreatedSchema>;

export const apiKeyListSchema = z.object({
  keys: z.array(apiKeyViewSchema),
  /** Where the client API listens; null when it is off (--no-api). */
  apiUrl: z.string().nullable(),
});
export type ApiKeyList = z.output<typeof apiKeyListSchema>;

export const USAGE_RANGES = ['hour', 'day', '90d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
export const apiKeyUsageQuery = z.object({ range: z.enum(USAGE_RANGES).default('hour') });

/** One period of a key's usage counters. */
export const usagePointSchema = z.object({
  /** Period start, Unix seconds. */
  t: z.number(),
  requests: z.number(),
  /** Answered 429. */
  throttled: z.number(),
  /** Answered 403 (outside the key's scope). */
  refused: z.number(),
});
export type UsagePoint = z.output<typeof usagePointSchema>;

/** GET /api/api-keys/:id/usage?range=hour|day|90d: per minute over the last hour or day, per hour over 90 days. */
export const apiKeyUsageSchema = z.object({
  id: z.string(),
  range: z.enum(USAGE_RANGES),
  periodSeconds: z.number(),
  points: z.array(usagePointSchema),
  /** Requests per route and status class over the range, e.g. `{"meterEnergy 2xx": 12}`. */
  byRoute: z.record(z.string(), z.number()),
});
export type ApiKeyUsage = z.output<typeof apiKeyUsageSchema>;
