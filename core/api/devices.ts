import { z } from 'zod';
import { DEVICE_AUTH_METHODS, DEVICE_KINDS, deviceIdSchema } from '../domain/device.js';
import { topicFilterSchema, topicRuleSchema, topicRulesSchema } from '../domain/topic-rule.js';
import { decimalCursor, pageSize } from './query-params.js';

/** Devices on the bundled broker: registry, connection kits, refusals, topic rules in force. */

/** A device registered on the bundled broker, as the API shows it: never a password or its hash. */
export const registeredDeviceViewSchema = z.object({
  id: deviceIdSchema,
  kind: z.enum(DEVICE_KINDS),
  auth: z.enum(DEVICE_AUTH_METHODS),
  hasPassword: z.boolean(),
  /** SHA-256 of the client certificate, lower-case hex; null for password devices. */
  certificateFingerprint: z.string().nullable(),
  /** Topic filters it may publish to. */
  publish: z.array(z.string()),
  /** Topic filters its subscriptions must stay within. */
  subscribe: z.array(z.string()),
  /** ms since epoch. */
  registered: z.number(),
  lastSeen: z.number().nullable(),
  lastAddress: z.string().nullable(),
});
export type RegisteredDeviceView = z.infer<typeof registeredDeviceViewSchema>;

export const registryPageQuery = z.object({
  cursor: decimalCursor('a cursor is the decimal number the previous page returned'),
  count: pageSize(1000, 100),
});

/** GET /api/devices/registry?cursor=&count=: one SSCAN page; cursor '0' when the listing is complete. */
export const registeredDevicePageSchema = z.object({ cursor: z.string(), devices: z.array(registeredDeviceViewSchema) });
export type RegisteredDevicePage = z.infer<typeof registeredDevicePageSchema>;

export const registeredDeviceParams = z.object({ id: deviceIdSchema });

// The registry keeps at most 32 publish filters; a kind brings up to 2 of its own.
const topicFilters = z.array(topicFilterSchema).max(30, { message: 'at most 30 topic filters' });

/** POST /api/devices/registry */
export const deviceRegistrationSchema = z.strictObject({
  id: deviceIdSchema,
  kind: z.enum(DEVICE_KINDS),
  auth: z.enum(DEVICE_AUTH_METHODS),
  /** Topic filters it may publish to besides its kind's own (a meter: meters/<id>/#; a thermostat: temp_readings and thermostats/<id>/#). */
  publish: topicFilters.optional(),
  /** Topic filters it may subscribe within; none by default. */
  subscribe: topicFilters.optional(),
});
export type DeviceRegistrationRequest = z.infer<typeof deviceRegistrationSchema>;

/** One listener of the bundled broker. */
export const BROKER_PROTOCOLS = ['mqtt', 'ws', 'mqtts', 'wss'] as const;

export const brokerEndpointSchema = z.object({
  protocol: z.enum(BROKER_PROTOCOLS),
  url: z.string(),
  host: z.string(),
  port: z.number(),
  /** What a TLS listener does with client certificates; 'none' for plain listeners. */
  clientCertificates: z.enum(['required', 'optional', 'none']),
});
export type BrokerEndpoint = z.infer<typeof brokerEndpointSchema>;

/** Copy-paste commands that publish one reading as the device, with what the kit hands out. */
/** Each as MQTT 3.1.1 and as MQTT 5 (V5: the payload marked with its content type). */
export const deviceSnippetsSchema = z.object({ mosquittoPub: z.string(), mqttJs: z.string(), mosquittoPubV5: z.string(), mqttJsV5: z.string() });
export type DeviceSnippets = z.infer<typeof deviceSnippetsSchema>;

/** The answer to POST /api/devices/registry: everything the device needs, its secrets shown this once. */
export const connectionKitSchema = z.object({
  device: registeredDeviceViewSchema,
  /** A password device's password: stored only hashed, never shown again. */
  password: z.string().optional(),
  /** A certificate device's files: <id>.crt, <id>.key and ca.crt. The key is kept nowhere else. */
  certificate: z.object({ cert: z.string(), key: z.string(), ca: z.string(), fingerprint: z.string() }).optional(),
  endpoints: z.array(brokerEndpointSchema),
  snippets: deviceSnippetsSchema,
});
export type ConnectionKit = z.infer<typeof connectionKitSchema>;

/** POST /api/devices/registry/:id/password: the new password (the old one stops working at once). */
export const passwordKitSchema = z.object({
  device: registeredDeviceViewSchema,
  password: z.string(),
  endpoints: z.array(brokerEndpointSchema),
  snippets: deviceSnippetsSchema,
});
export type PasswordKit = z.infer<typeof passwordKitSchema>;

/** GET /api/ingest/topic-rules: the rules in force, first match wins, with what each took. */
export const topicRulesViewSchema = z.object({
  rules: z.array(topicRuleSchema.extend({ matched: z.number() })),
  /** Messages since the rules were set that no rule matched. */
  unrouted: z.number(),
  /** 'saved': from the Topic rules page (file); 'config': ingest.topicRules of the config, or its default. */
  origin: z.enum(['saved', 'config']),
  file: z.string(),
  /** Why the rules cannot be changed (read-only mode), or null. */
  locked: z.string().nullable(),
  /** The key a json-hash rule stores the messages of topic "<topic>" under, with the literal "<topic>" in it. */
  hashKeyPattern: z.string(),
});
export type TopicRulesView = z.infer<typeof topicRulesViewSchema>;

/** PUT /api/ingest/topic-rules: the whole table, in order. */
export const topicRulesUpdateSchema = z.strictObject({ rules: topicRulesSchema });
export type TopicRulesUpdate = z.infer<typeof topicRulesUpdateSchema>;

/** A connection, publish or subscription the broker refused. */
export const refusalViewSchema = z.object({
  /** ms since epoch. */
  at: z.number(),
  action: z.enum(['connect', 'publish', 'subscribe', 'packet']),
  clientId: z.string(),
  address: z.string().nullable(),
  deviceId: z.string().nullable(),
  /** The topic or filter; null for a connection. */
  topic: z.string().nullable(),
  /** One word: wrong-password, publish-not-allowed, … */
  code: z.string(),
  reason: z.string(),
  /** What the client was answered: `disconnected`, `PUBACK 0x97 quota exceeded` (MQTT 5), `SUBACK 0x80 unspecified error`, …; null where not noted. */
  answer: z.string().nullable(),
});
export type RefusalView = z.infer<typeof refusalViewSchema>;

/** GET /api/devices/refusals: counts since the broker started, and the most recent refusals, newest first. */
export const refusalSummarySchema = z.object({
  total: z.number(),
  byCode: z.record(z.string(), z.number()),
  recent: z.array(refusalViewSchema),
});
export type RefusalSummary = z.infer<typeof refusalSummarySchema>;
