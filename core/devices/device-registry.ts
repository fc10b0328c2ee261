import { z } from 'zod';
import { THERMOSTAT_TOPIC } from '../domain/topics.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';
import { DEVICE_AUTH_METHODS, DEVICE_ID_PATTERN, DEVICE_KINDS, deviceIdSchema, type DeviceAuth, type DeviceKind } from '../domain/device.js';
import { KindedError } from '../domain/errors.js';
import { topicFilterSchema } from '../domain/topic-rule.js';
import type { RegisteredDeviceView } from '../api/devices.js';
import { generatePassword, hashPassword, isPasswordHash, passwordMatches } from './password-hash.js';

/**
 * The devices allowed on the bundled broker, kept in the device object `<ns>:devices:<id>` that the
 * meter pipeline also writes (kind, firstSeen, lastSeen, readings, transport), plus the index SET
 * keys.registeredDevices. A device is registered exactly when its object has the `registered` field.
 *
 * Every write that depends on the entry's state is one script on the device object alone, so it is
 * atomic and stays within one cluster slot; the index lives in another slot and is written apart:
 * added before an entry is created and removed after it is deleted, so it always lists at least
 * every registered device (list skips ids whose entry is gone).
 */

export type { DeviceAuth, DeviceKind };

/** A registry entry as callers see it (the API's own shape): never the password hash, only whether there is one. */
export type RegisteredDevice = RegisteredDeviceView;

export interface Registration {
  device: RegisteredDevice;
  /** The clear password of a password device: shown to the caller this once, stored only hashed. */
  password?: string;
}

export interface PasswordRotation {
  device: RegisteredDevice;
  password: string;
}

export interface DevicePage {
  /** The SSCAN cursor to pass for the next page; '0' when the listing is complete. */
  cursor: string;
  /** This page's devices, by id. A device may appear on two pages if the index changed in between. */
  devices: RegisteredDevice[];
}

/** What the access decisions need about a device; the password hash stays inside passwordMatches. */
export interface DeviceAccessRecord {
  id: string;
  auth: DeviceAuth;
  certificateFingerprint: string | null;
  publish: string[];
  subscribe: string[];
  /** Whether `password` is this device's password; false for a certificate device. */
  passwordMatches(password: string | Buffer): Promise<boolean>;
}

/** A request the registry's state refuses (already registered, no such device, an entry that is not the registry's), or bad input to it. */
export class DeviceRegistryError extends KindedError {
  constructor(
    message: string,
    readonly kind: 'conflict' | 'invalid-input' = 'conflict',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const MAX_TOPIC_FILTERS = 32;

const topicFiltersSchema = z
  .array(topicFilterSchema)
  .max(MAX_TOPIC_FILTERS, { message: `at most ${MAX_TOPIC_FILTERS} topic filters` })
  .transform((filters) => [...new Set(filters)]);

/** Accepts the usual spellings (colons, upper case) and keeps the one format core/certificates uses. */
export const certificateFingerprintSchema = z
  .string()
  .transform((fingerprint) => fingerprint.replaceAll(':', '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, { message: 'a certificate fingerprint is a SHA-256 digest: 64 hex digits, colons allowed' }));

const registrationCommon = {
  id: deviceIdSchema,
  kind: z.enum(DEVICE_KINDS),
  publish: topicFiltersSchema.optional(),
  subscribe: topicFiltersSchema.optional(),
};

const registrationSchema = z.discriminatedUnion('auth', [
  z.object({ ...registrationCommon, auth: z.literal('password') }).strict(),
  z.object({ ...registrationCommon, auth: z.literal('certificate'), certificateFingerprint: certificateFingerprintSchema }).strict(),
]);

export type DeviceRegistrationInput = z.input<typeof registrationSchema>;

const seenSchema = z.object({
  id: deviceIdSchema,
  address: z.string().min(1).max(256),
  at: z.number().int().nonnegative(),
});

const pageSchema = z.object({
  cursor: z.string().regex(/^\d+$/, { message: 'a cursor is the decimal number the previous page returned' }),
  count: z.number().int().min(1).max(1000),
});

/** The device object's fields the registry owns; remove deletes exactly these. */
const REGISTRY_FIELDS = ['registered', 'auth', 'credential', 'certificateFingerprint', 'publish', 'subscribe', 'lastAddress'] as const;
/** Fields the meter pipeline writes too; remove leaves them to a device whose object holds meter readings. */
const SHARED_FIELDS = ['kind', 'lastSeen'] as const;
/** The meter pipeline's count of readings: its presence means the object also holds meter data. */
const METER_READINGS_FIELD = 'readings';

const luaList = (fields: readonly string[]) => fields.map((field) => `'${field}'`).join(', ');

/** Creates the entry unless one exists. ARGV: field/value pairs. Reply: the object's fields, or 'exists'. */
const REGISTER_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'registered') == 1 then return 'exists' end
redis.call('HSET', KEYS[1], unpack(ARGV))
return redis.call('HGETALL', KEYS[1])
`;

/** Replaces the password hash of a registered password device. ARGV: the new hash. Reply: the object's fields, or why not. */
const ROTATE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'registered') == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'auth') ~= 'password' then return 'not-password' end
redis.call('HSET', KEYS[1], 'credential', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** Deletes the entry, and the shared fields unless meter data uses them. Reply: 1 when there was an entry. */
const REMOVE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'registered') == 0 then return 0 end
redis.call('HDEL', KEYS[1], ${luaList(REGISTRY_FIELDS)})
if redis.call('HEXISTS', KEYS[1], '${METER_READINGS_FIELD}') == 0 then redis.call('HDEL', KEYS[1], ${luaList(SHARED_FIELDS)}) end
return 1
`;

/** Stamps a registered device's last connection; never creates an object for an unknown id. ARGV: at, address. */
const SEEN_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'registered') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastSeen', ARGV[1], 'lastAddress', ARGV[2])
return 1
`;

/** The stored entry, checked when read: the object is in a Redis others can write to. */
const storedEntrySchema = z.object({
  registered: z.coerce.number().int().nonnegative(),
  kind: z.enum(DEVICE_KINDS),
  auth: z.enum(DEVICE_AUTH_METHODS),
  credential: z.string().refine(isPasswordHash, { message: 'not a scrypt hash' }).optional(),
  certificateFingerprint: certificateFingerprintSchema.optional(),
  publish: jsonTopicFilters(),
  subscribe: jsonTopicFilters(),
  lastSeen: z.coerce.number().int().nonnegative().optional(),
  lastAddress: z.string().optional(),
});

type StoredEntry = z.infer<typeof storedEntrySchema>;

export class DeviceRegistry {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers a new device; a password device gets a fresh password, returned here and nowhere else. */
  async register(input: DeviceRegistrationInput): Promise<Registration> {
    const registration = parse(registrationSchema, input, 'registration');
    const fields: Record<string, string> = {
      registered: String(this.now()),
      kind: registration.kind,
      auth: registration.auth,
      publish: JSON.stringify(registration.publish ?? defaultPublishFilters(registration.kind, registration.id)),
      subscribe: JSON.stringify(registration.subscribe ?? []),
    };
    let password: string | undefined;
    if (registration.auth === 'password') {
      password = generatePassword();
      fields.credential = await hashPassword(password);
    } else {
      fields.certificateFingerprint = registration.certificateFingerprint;
    }
    const key = this.keys.meterDevice(registration.id);
    await this.client.sadd(this.keys.registeredDevices, registration.id);
    const reply = await this.client.eval(REGISTER_SCRIPT, 1, key, ...Object.entries(fields).flat()).catch(async (error: unknown) => {
      // The object could not be written (a key of another type there): the id is not registered, so unlist it.
      await this.client.srem(this.keys.registeredDevices, registration.id);
      throw new DeviceRegistryError(`cannot register ${registration.id} in ${key}: ${(error as Error).message}`, 'conflict', { cause: error });
    });
    if (reply === 'exists') throw new DeviceRegistryError(`device ${registration.id} is already registered`);
    const device = toRegisteredDevice(registration.id, readEntry(registration.id, pairsToRecord(reply))!);
    return password === undefined ? { device } : { device, password };
  }

  /** The registered device with this id, or null. */
  async get(id: string): Promise<RegisteredDevice | null> {
    const deviceId = parse(deviceIdSchema, id, 'device id');
    const entry = readEntry(deviceId, await this.client.hgetall(this.keys.meterDevice(deviceId)));
    return entry && toRegisteredDevice(deviceId, entry);
  }

  /** One page of the registered devices (SSCAN of the index: a small index comes whole whatever `count`). */
  async list(cursor = '0', count = 100): Promise<DevicePage> {
    const page = parse(pageSchema, { cursor, count }, 'page');
    const [next, ids] = await this.client.sscan(this.keys.registeredDevices, page.cursor, 'COUNT', page.count);
    const validIds = ids.filter((id) => DEVICE_ID_PATTERN.test(id)).sort();
    const devices = await Promise.all(validIds.map((id) => this.get(id)));
    return { cursor: next, devices: devices.filter((device): device is RegisteredDevice => device !== null) };
  }

  /** Unregisters a device, leaving the meter pipeline's data in its object; false when it was not registered. */
  async remove(id: string): Promise<boolean> {
    const deviceId = parse(deviceIdSchema, id, 'device id');
    const removed = await this.client.eval(REMOVE_SCRIPT, 1, this.keys.meterDevice(deviceId));
    await this.client.srem(this.keys.registeredDevices, deviceId);
    return removed === 1;
  }

  /** Gives a password device a new password; the old one stops working at once. */
  async rotatePassword(id: string): Promise<PasswordRotation> {
    const deviceId = parse(deviceIdSchema, id, 'device id');
    const password = generatePassword();
    const reply = await this.client.eval(ROTATE_SCRIPT, 1, this.keys.meterDevice(deviceId), await hashPassword(password));
    if (reply === 'missing') throw new DeviceRegistryError(`device ${deviceId} is not registered`);
    if (reply === 'not-password') throw new DeviceRegistryError(`device ${deviceId} authenticates with a client certificate and has no password`);
    return { device: toRegisteredDevice(deviceId, readEntry(deviceId, pairsToRecord(reply))!), password };
  }

  /** Notes a connection of a registered device (lastSeen, lastAddress); false for an id that is not registered. */
  async recordSeen(id: string, address: string, at: number): Promise<boolean> {
    const seen = parse(seenSchema, { id, address, at }, 'seen');
    const recorded = await this.client.eval(SEEN_SCRIPT, 1, this.keys.meterDevice(seen.id), seen.at, seen.address);
    return recorded === 1;
  }

  /** What authentication and authorization need about a device, or null when it is not registered. */
  async accessRecord(id: string): Promise<DeviceAccessRecord | null> {
    const deviceId = parse(deviceIdSchema, id, 'device id');
    const entry = readEntry(deviceId, await this.client.hgetall(this.keys.meterDevice(deviceId)));
    if (!entry) return null;
    const credential = entry.credential;
    return {
      id: deviceId,
      auth: entry.auth,
      certificateFingerprint: entry.certificateFingerprint ?? null,
      publish: entry.publish,
      subscribe: entry.subscribe,
      passwordMatches: async (password) => entry.auth === 'password' && credential !== undefined && (await passwordMatches(password, credential)),
    };
  }
}

/** What a device of this kind may publish when the caller names no topics. */
export function defaultPublishFilters(kind: DeviceKind, id: string): string[] {
  if (kind === 'meter') return [`meters/${id}/#`];
  if (kind === 'thermostat') return [THERMOSTAT_TOPIC, `thermostats/${id}/#`];
  return [];
}

function readEntry(id: string, fields: Record<string, string>): StoredEntry | null {
  if (fields.registered === undefined) return null;
  const result = storedEntrySchema.safeParse(fields);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new DeviceRegistryError(`device ${id} has a malformed registry entry: ${issue.path.join('.')}: ${issue.message}`);
  }
  const entry = result.data;
  if (entry.auth === 'password' && entry.credential === undefined) throw new DeviceRegistryError(`device ${id} has a malformed registry entry: a password device without a password hash`);
  if (entry.auth === 'certificate' && entry.certificateFingerprint === undefined) {
    throw new DeviceRegistryError(`device ${id} has a malformed registry entry: a certificate device without a fingerprint`);
  }
  return entry;
}

function toRegisteredDevice(id: string, entry: StoredEntry): RegisteredDevice {
  return {
    id,
    kind: entry.kind,
    auth: entry.auth,
    hasPassword: entry.credential !== undefined,
    certificateFingerprint: entry.certificateFingerprint ?? null,
    publish: entry.publish,
    subscribe: entry.subscribe,
    registered: entry.registered,
    lastSeen: entry.lastSeen ?? null,
    lastAddress: entry.lastAddress ?? null,
  };
}

/** HGETALL as a Lua script returns it: a flat [field, value, …] array. */
function pairsToRecord(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) throw new DeviceRegistryError(`unexpected reply from Redis: ${JSON.stringify(reply)}`);
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2) record[String(reply[index])] = String(reply[index + 1]);
  return record;
}

function jsonTopicFilters() {
  return z.string().transform((json, context) => {
    try {
      return JSON.parse(json) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(topicFiltersSchema);
}

function parse<T>(schema: z.ZodType<T, unknown>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new DeviceRegistryError(`invalid ${what}: ${where}${issue.message}`, 'invalid-input');
}
