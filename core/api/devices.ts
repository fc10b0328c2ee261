import { z } from 'zod';
import { DEVICE_AUTH_METHODS, DEVICE_KINDS, deviceIdSchema, type DeviceAuth, type DeviceKind } from '../domain/device.js';
import { topicFilterSchema, topicRulesSchema, type TopicRule } from '../domain/topic-rule.js';
import { decimalCursor, pageSize } from './query-params.js';

/** Devices on the bundled broker: registry, connection kits, refusals, topic rules in force. */

/** A device registered on the bundled broker, as the API shows it: never a password or its hash. */
export interface RegisteredDeviceView {
  id: string;
  kind: DeviceKind;
  auth: DeviceAuth;
  hasPassword: boolean;
  /** SHA-256 of the client certificate, lower-case hex; null for password devices. */
  certificateFingerprint: string | null;
  /** Topic filters it may publish to. */
  publish: string[];
  /** Topic filters its subscriptions must stay within. */
  subscribe: string[];
  /** ms since epoch. */
  registered: number;
  lastSeen: number | null;
  lastAddress: string | null;
}

export const registryPageQuery = z.object({
  cursor: decimalCursor('a cursor is the decimal number the previous page returned'),
  count: pageSize(1000, 100),
});

/** GET /api/devices/registry?cursor=&count=: one SSCAN page; cursor '0' when the listing is complete. */
export interface RegisteredDevicePage {
  cursor: string;
  devices: RegisteredDeviceView[];
}

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
export interface BrokerEndpoint {
  protocol: 'mqtt' | 'ws' | 'mqtts' | 'wss';
  url: string;
  host: string;
  port: number;
  /** What a TLS listener does with client certificates; 'none' for plain listeners. */
  clientCertificates: 'required' | 'optional' | 'none';
}

/** Copy-paste commands that publish one reading as the device, with what the kit hands out. */
export interface DeviceSnippets {
  mosquittoPub: string;
  mqttJs: string;
}

/** The answer to POST /api/devices/registry: everything the device needs, its secrets shown this once. */
export interface ConnectionKit {
  device: RegisteredDeviceView;
  /** A password device's password: stored only hashed, never shown again. */
  password?: string;
  /** A certificate device's files: <id>.crt, <id>.key and ca.crt. The key is kept nowhere else. */
  certificate?: { cert: string; key: string; ca: string; fingerprint: string };
  endpoints: BrokerEndpoint[];
  snippets: DeviceSnippets;
}

/** POST /api/devices/registry/:id/password: the new password (the old one stops working at once). */
export interface PasswordKit {
  device: RegisteredDeviceView;
  password: string;
  endpoints: BrokerEndpoint[];
  snippets: DeviceSnippets;
}

/** GET /api/ingest/topic-rules: the rules in force, first match wins, with what each took. */
export interface TopicRulesView {
  rules: Array<TopicRule & { matched: number }>;
  /** Messages since the rules were set that no rule matched. */
  unrouted: number;
  /** 'saved': from the Topic rules page (file); 'config': ingest.topicRules of the config, or its default. */
  origin: 'saved' | 'config';
  file: string;
  /** Why the rules cannot be changed (read-only mode), or null. */
  locked: string | null;
  /** The key a json-hash rule stores the messages of topic "<topic>" under, with the literal "<topic>" in it. */
  hashKeyPattern: string;
}

/** PUT /api/ingest/topic-rules: the whole table, in order. */
export const topicRulesUpdateSchema = z.strictObject({ rules: topicRulesSchema });
export type TopicRulesUpdate = z.infer<typeof topicRulesUpdateSchema>;

/** A connection, publish or subscription the broker refused. */
export interface RefusalView {
  /** ms since epoch. */
  at: number;
  action: 'connect' | 'publish' | 'subscribe' | 'packet';
  clientId: string;
  address: string | null;
  deviceId: string | null;
  /** The topic or filter; null for a connection. */
  topic: string | null;
  /** One word: wrong-password, publish-not-allowed, … */
  code: string;
  reason: string;
}

/** GET /api/devices/refusals: counts since the broker started, and the most recent refusals, newest first. */
export interface RefusalSummary {
  total: number;
  byCode: Record<string, number>;
  recent: RefusalView[];
}
